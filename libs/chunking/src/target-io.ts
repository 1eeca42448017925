import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { DIRECT_IO_ALIGNMENT, directIoAvailable, isDirectIoReady } from './aligned-memory';
import { errnoOf } from '@castpoint/wire';
import { ChunkingError } from './errors';

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
  /** Writes done so far by direct I/O and through the page cache (real targets only). */
  writeCounts?(): WriteCounts;
}

export interface WriteCounts {
  readonly direct: number;
  readonly buffered: number;
}

export interface TargetIoOptions {
  /**
   * Write page-aligned buffers (allocAligned) at aligned offsets with O_DIRECT, past the page cache:
   * no copy into fresh cache pages and no cache pollution (a whole disk image would evict
   * everything else). Other writes, and every write where the file system refuses O_DIRECT, go
   * through the cache. Linux only. @default false
   */
  readonly directIo?: boolean;
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten === 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/** Positional I/O on an open file or disk; exported for tests, use openTargetIo(). */
export class FileTargetIo implements TargetIo {
  private direct = 0;
  private buffered = 0;

  /** @param directFh the same file opened with O_DIRECT, while the file system accepts it */
  constructor(
    private readonly fh: FileHandle,
    private directFh?: FileHandle,
  ) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    const dfh = this.directFh;
    if (dfh && position % DIRECT_IO_ALIGNMENT === 0 && isDirectIoReady(data)) {
      try {
        const { bytesWritten } = await dfh.write(data, 0, data.length, position);
        // A short direct write is legal; the rest goes through the cache (alignment is not kept).
        if (bytesWritten < data.length) await writeAll(this.fh, data.subarray(bytesWritten), position + bytesWritten);
        this.direct++;
        return;
      } catch (err) {
        if (errnoOf(err) !== 'EINVAL') throw err;
        // The file system wants another alignment or no direct I/O at all: use the cache from now on.
        if (this.directFh === dfh) this.directFh = undefined;
        await dfh.close().catch(() => undefined);
      }
    }
    await writeAll(this.fh, data, position);
    this.buffered++;
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
  async close(): Promise<void> {
    const dfh = this.directFh;
    this.directFh = undefined;
    await dfh?.close().catch(() => undefined);
    await this.fh.close();
  }
  writeCounts(): WriteCounts {
    return { direct: this.direct, buffered: this.buffered };
  }
}

/** The target opened a second time with O_DIRECT, or undefined where that is refused. */
async function openDirect(path: string): Promise<FileHandle | undefined> {
  if (!directIoAvailable()) return undefined;
  try {
    // No O_EXCL here: the first descriptor holds the disk's exclusive claim already.
    return await open(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

/**
 * Opens the real target. Files: create if missing, never O_TRUNC (the writer decides whether to
 * keep the bytes for a resume). Block devices: O_EXCL, which Linux turns into "fail with EBUSY if
 * anything (a mount, swap, device mapper) holds the device": a last check that cannot race.
 */
export async function openTargetIo(path: string, kind: 'file' | 'new-file' | 'block', options: TargetIoOptions = {}): Promise<TargetIo> {
  const flags = kind === 'block' ? constants.O_RDWR | constants.O_EXCL : constants.O_RDWR | constants.O_CREAT;
  let fh: FileHandle;
  try {
    fh = await open(path, flags, 0o644);
  } catch (err) {
    const errno = errnoOf(err) ?? '';
    if (errno === 'EBUSY') {
      throw new ChunkingError('CHUNKING_TARGET_IN_USE', `disk ${path} is in use by the system (mounted, swap or held by another device)`, { path, errno }, { cause: err });
    }
    throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `cannot open ${path} for writing (${errno || String(err)})`, { path, errno }, { cause: err });
  }
  return new FileTargetIo(fh, options.directIo === true ? await openDirect(path) : undefined);
}
