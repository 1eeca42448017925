// A StoreDisk over the real atomic writes that fails like a full disk (ENOSPC) while `full` is set,
// manifest files and state saves (to the database) alike, and counts the writes (a flood must not
// save the state once per request).
import type { StoreDisk } from '../state/store';
import { writeFileAtomic, writeFileAtomicAsync } from '../state/writer';

function enospc(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', errno: -28, syscall: 'write', path });
}

export class FlakyDisk implements StoreDisk {
  full = false;
  syncWrites = 0;
  asyncWrites = 0;

  writeSync(path: string, data: string | Uint8Array, mode: number): void {
    this.syncWrites++;
    if (this.full) throw enospc(path);
    writeFileAtomic(path, data, mode);
  }

  /** A state save is about to reach the database (counted as an asynchronous write). */
  beforeStateWrite(): void {
    this.asyncWrites++;
    if (this.full) throw enospc('the database');
  }

  async write(path: string, data: string | Uint8Array, mode: number): Promise<void> {
    this.asyncWrites++;
    if (this.full) throw enospc(path);
    await writeFileAtomicAsync(path, data, mode);
  }
}
