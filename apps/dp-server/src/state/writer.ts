// Atomic whole-file writes: a temporary file, fsync, rename over the old file, fsync the directory.
// A crash leaves the old file or the new one, never half. A write that fails (a full disk) removes
// its temporary file, so a failed attempt does not eat the space the next one needs.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How the store writes its files; tests inject one that fails (ENOSPC) on demand. */
export interface FileWriter {
  /** Replaces `path` with `data` atomically, on the event loop (start-up, receiver-id blocks). */
  writeSync(path: string, data: string | Uint8Array, mode: number): void;
  /** The same off the event loop (the coalesced state saves). */
  write(path: string, data: string | Uint8Array, mode: number): Promise<void>;
}

/** A temporary name of its own for each write: two writes of one file never share one. */
function tmpOf(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = tmpOf(path);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export async function writeFileAtomicAsync(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = tmpOf(path);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export const atomicWriter: FileWriter = { writeSync: writeFileAtomic, write: writeFileAtomicAsync };
