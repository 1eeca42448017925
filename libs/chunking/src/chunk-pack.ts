import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { assertZstdLevel } from './chunk-compression';
import { ChunkingError, asChunkingError } from './errors';
import type { StoredChunks } from './import-pool/chunk-work';
import { encodePackIndex, packIndexPath } from './pack-index';
import { StoredChunkIndex } from './stored-chunks';

/**
 * A chunk pack: the zstd frames of an image's stored chunks, back to back in chunk order, nothing
 * else. Chunk i's frame starts at the sum of `compression.sizes` before it (zero and unused chunks
 * have size 0), so the manifest is the pack's index and the pack needs no header of its own. Beside
 * it, the pack index (pack-index.ts) keeps the SHA-256 of each chunk's stored bytes.
 *
 * The writer only writes: the frames come compressed from the import's workers (chunk-work.ts).
 */
export class ChunkPackWriter {
  private readonly sizes: number[] = [];
  private readonly storedSha256: string[] = [];
  private position = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly tmp: string,
    readonly level: number,
  ) {}

  /**
   * Writes to `path + '.partial'`; `finish` moves it to `path`, and its index to
   * `packIndexPath(path)`, once both are complete and synced.
   */
  static async create(path: string, level: number): Promise<ChunkPackWriter> {
    assertZstdLevel(level); // before a file is created
    const tmp = `${path}.partial`;
    const fh = await open(tmp, 'w').catch((err: unknown) => {
      throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot create chunk pack ${tmp}`, err, { path: tmp });
    });
    return new ChunkPackWriter(fh, path, tmp, level);
  }

  /**
   * Appends the stored chunks of one read buffer, in chunk order (size 0: a zero or unused chunk,
   * nothing written). A chunk zstd could not shrink comes raw, its size then being its raw length:
   * never larger than the chunk, and nothing to decode for it on the receiving side.
   */
  async append(stored: StoredChunks): Promise<void> {
    let written = 0;
    while (written < stored.bytes.length) {
      const { bytesWritten } = await this.fh.write(stored.bytes, written, stored.bytes.length - written, this.position + written);
      written += bytesWritten;
    }
    this.position += written;
    this.sizes.push(...stored.sizes);
    this.storedSha256.push(...stored.storedSha256);
  }

  /** Frame sizes so far, one per appended chunk. */
  frameSizes(): readonly number[] {
    return this.sizes;
  }

  /** Bytes of frames written so far. */
  bytes(): number {
    return this.position;
  }

  /** Syncs and moves the pack in place, then writes its index for the manifest named `manifestHash`. */
  async finish(manifestHash: string): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    const index = encodePackIndex({ manifestHash, storedSha256: this.storedSha256 });
    const idx = packIndexPath(this.path);
    const idxTmp = `${idx}.partial`;
    try {
      const ih = await open(idxTmp, 'w');
      try {
        await ih.writeFile(index);
        await ih.sync();
      } finally {
        await ih.close();
      }
      await rename(this.tmp, this.path);
      await rename(idxTmp, idx);
    } catch (err) {
      await rm(idxTmp, { force: true });
      throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot write chunk pack ${this.path}`, err, { path: this.path });
    }
  }

  /** Drops the partial file (an import that failed leaves nothing behind). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
    await rm(`${packIndexPath(this.path)}.partial`, { force: true });
  }
}

/** Reads frames of a pack by chunk index, the manifest being its index. */
export interface ChunkPack {
  /** Byte offset of chunk `index`'s frame in the pack and its length (0 for unstored chunks). */
  frameRange(index: number): { readonly offset: number; readonly length: number };
  readFrame(index: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens the pack of a compressed manifest. Refuses (CHUNKING_IMAGE_CHANGED) a pack whose size is
 * not the sum of the manifest's frame sizes: it belongs to another import or was cut short.
 */
export async function openChunkPack(path: string, manifest: Manifest): Promise<ChunkPack> {
  if (manifest.compression === undefined) throw new ChunkingError('CHUNKING_MANIFEST_INVALID', 'the manifest has no compression: there is no chunk pack', { field: 'compression' });
  const index = new StoredChunkIndex(manifest);
  const total = index.total;
  const st = await stat(path).catch((err: unknown) => {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open chunk pack ${path}`, err, { path });
  });
  if (st.size !== total) {
    throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `chunk pack ${path} holds ${st.size} bytes, the manifest lists ${total}`, { path, expected: total, actual: st.size });
  }
  const fh = await open(path, 'r');
  const frameRange = (i: number): { offset: number; length: number } => {
    const { start, length } = index.range(i);
    return { offset: start, length };
  };
  return {
    frameRange,
    async readFrame(i) {
      const { offset, length } = frameRange(i);
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `chunk pack ${path} ended inside chunk ${i}`, { path, chunk: i });
        done += bytesRead;
      }
      return buf;
    },
    close: () => fh.close(),
  };
}
