import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ChunkingError, errnoOf } from './errors';

/**
 * Positional I/O on the target. ImageWriter uses only this, so tests can model a disk whose
 * unsynced writes vanish on a crash.
 */
export interface TargetIo {
  write(data: Uint8Array, position: number): Promise<void>;
  /** Reads into `data` from `position`; returns the bytes read (short only at the end). */
  read(data: Uint8Array, position: number): Promise<number>;
  /** Makes every completed write durable (fdatasync). */
  sync(): Promise<void>;
  /** Current size in bytes (regular files). */
  size(): Promise<number>;
  /** Sets the size; shrinking to 0 then growing recreates a file full of holes. */
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

class FileTargetIo implements TargetIo {
  constructor(private readonly fh: FileHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
      if (bytesWritten === 0) throw new Error('write made no progress');
      done += bytesWritten;
    }
  }
  async read(data: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < data.length) {
      const { bytesRead } = await this.fh.read(data, done, data.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  sync(): Promise<void> {
    return this.fh.datasync();
  }
  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }
  truncate(size: number): Promise<void> {
    return this.fh.truncate(size);
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

/**
 * Opens the real target. Files: create if missing, never O_TRUNC (the writer decides whether to
 * keep the bytes for a resume). Block devices: O_EXCL, which Linux turns into "fail with EBUSY if
 * anything (a mount, swap, device mapper) holds the device": a last check that cannot race.
 */
export async function openTargetIo(path: string, kind: 'file' | 'new-file' | 'block'): Promise<TargetIo> {
  const flags = kind === 'block' ? constants.O_RDWR | constants.O_EXCL : constants.O_RDWR | constants.O_CREAT;
  try {
    return new FileTargetIo(await open(path, flags, 0o644));
  } catch (err) {
    const errno = errnoOf(err) ?? '';
    if (errno === 'EBUSY') {
      throw new ChunkingError('CHUNKING_TARGET_IN_USE', `disk ${path} is in use by the system (mounted, swap or held by another device)`, { path, errno }, { cause: err });
    }
    throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `cannot open ${path} for writing (${errno || String(err)})`, { path, errno }, { cause: err });
  }
}
