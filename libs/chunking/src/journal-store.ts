import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf } from '@castpoint/wire';

/**
 * Durable storage of one small file, replaced atomically. The journal talks to this interface so
 * tests can model a crash (a store that keeps only what was durably renamed).
 */
export interface JournalStore {
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Buffer | undefined>;
  /** Replaces the file so that after a crash it holds either the old or the new bytes, never a mix. */
  writeAtomic(path: string, data: Uint8Array): Promise<void>;
  remove(path: string): Promise<void>;
}

/**
 * The rename is only durable once the directory entry is: fsync the directory. Windows cannot open
 * a directory for fsync (and NTFS journals the rename itself), so there it is skipped.
 */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Real files: write a temp file, fsync it, rename over the old one, fsync the directory. */
export function fileJournalStore(): JournalStore {
  return {
    async read(path) {
      try {
        return await readFile(path);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return undefined;
        throw err;
      }
    },
    async writeAtomic(path, data) {
      const tmp = `${path}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      await syncDir(dirname(path));
    },
    async remove(path) {
      await rm(path, { force: true });
      await rm(`${path}.tmp`, { force: true });
    },
  };
}
