import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { BlockLayout, type BlockLayoutOptions } from './block-layout';
import { chunkCount, chunkLength, chunkOffset } from './chunk-math';
import { ChunkingError, asChunkingError } from './errors';
import { assertImageUnchanged, type ImageFingerprint } from './fingerprint';
import { Lru } from './lru';

export interface ChunkSourceOptions extends BlockLayoutOptions {
  /** Chunks kept in memory (each up to chunkSize bytes). @default 64 */
  readonly cacheChunks?: number;
  /**
   * Re-hash each chunk read from disk against the manifest and fail with CHUNKING_IMAGE_CHANGED on
   * a mismatch, so a file edited during a session is never sent as if it were the image.
   * @default true
   */
  readonly verifyReads?: boolean;
}

/**
 * Reads an imported image for the multicast sender and the unicast fallback endpoint. Chunk reads
 * are cached (bounded LRU) and deduplicated: concurrent callers of one chunk share one read.
 */
export class ChunkSource {
  readonly layout: BlockLayout;
  private readonly cache: Lru<number, Promise<Buffer>>;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly manifest: Manifest,
    private readonly fh: FileHandle,
    private readonly verifyReads: boolean,
    options: ChunkSourceOptions,
  ) {
    this.layout = new BlockLayout(manifest, options);
    const cacheChunks = options.cacheChunks ?? 64;
    if (!Number.isInteger(cacheChunks) || cacheChunks < 1) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `cacheChunks ${cacheChunks} must be a positive integer`, { field: 'cacheChunks' });
    }
    this.cache = new Lru(cacheChunks);
  }

  /** Opens an imported image after checking it is unchanged since import. */
  static async open(path: string, manifest: Manifest, fingerprint: ImageFingerprint, options: ChunkSourceOptions = {}): Promise<ChunkSource> {
    await assertImageUnchanged(path, manifest, fingerprint);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open image file ${path}`, err, { path });
    }
    try {
      return new ChunkSource(path, manifest, fh, options.verifyReads ?? true, options);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ChunkingError('CHUNKING_WRITER_CLOSED', `chunk source for ${this.path} is closed`, { path: this.path });
  }

  /** The bytes of chunk `index` (a shared buffer: callers must not modify it). */
  readChunk(index: number): Promise<Buffer> {
    try {
      this.assertOpen();
      chunkLength(index, this.manifest.size, this.manifest.chunkSize);
    } catch (err) {
      return Promise.reject(err);
    }
    const hit = this.cache.get(index);
    if (hit) return hit;
    const p = this.load(index);
    this.cache.set(index, p);
    // A failed read must not stay cached: the next caller retries.
    p.catch(() => this.cache.delete(index));
    return p;
  }

  private async load(index: number): Promise<Buffer> {
    const len = chunkLength(index, this.manifest.size, this.manifest.chunkSize);
    const buf = Buffer.allocUnsafe(len);
    let done = 0;
    try {
      while (done < len) {
        const { bytesRead } = await this.fh.read(buf, done, len - done, chunkOffset(index, this.manifest.chunkSize) + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (err) {
      throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot read chunk ${index} of ${this.path}`, err, { path: this.path, chunk: index });
    }
    const expected = this.manifest.chunks[index];
    if (done !== len || (this.verifyReads && createHash('sha256').update(buf).digest('hex') !== expected)) {
      throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `image file ${this.path} changed during the session: chunk ${index} no longer matches the manifest`, {
        path: this.path,
        chunk: index,
      });
    }
    return buf;
  }

  /**
   * The k source symbols of `block`, each `symbolSize` bytes; the last one is zero-padded to full
   * size (FEC works on equal-size symbols; the receiver trims by the block's length). Full symbols
   * are views into the cached chunk: callers must not modify them.
   */
  async readBlock(block: number): Promise<Buffer[]> {
    const info = this.layout.blockInfo(block);
    const chunk = await this.readChunk(info.chunk);
    const { symbolSize } = this.layout;
    const out: Buffer[] = [];
    for (let s = 0; s < info.k; s++) {
      const start = info.offsetInChunk + s * symbolSize;
      const end = Math.min(start + symbolSize, info.offsetInChunk + info.length);
      if (end - start === symbolSize) out.push(chunk.subarray(start, end));
      else {
        const padded = Buffer.alloc(symbolSize);
        chunk.copy(padded, 0, start, end);
        out.push(padded);
      }
    }
    return out;
  }

  /** One source symbol of `block` (zero-padded when it is the short last one). */
  async readSymbol(block: number, symbol: number): Promise<Buffer> {
    const k = this.layout.blockK(block);
    if (!Number.isInteger(symbol) || symbol < 0 || symbol >= k) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `symbol ${symbol} does not exist in block ${block} (k = ${k})`, { index: symbol, expected: k });
    }
    const info = this.layout.blockInfo(block);
    const chunk = await this.readChunk(info.chunk);
    const { symbolSize } = this.layout;
    const start = info.offsetInChunk + symbol * symbolSize;
    const end = Math.min(start + symbolSize, info.offsetInChunk + info.length);
    if (end - start === symbolSize) return chunk.subarray(start, end);
    const padded = Buffer.alloc(symbolSize);
    chunk.copy(padded, 0, start, end);
    return padded;
  }

  /**
   * A stream of bytes [start, end] (inclusive, as in HTTP Range and fs.createReadStream) for the
   * unicast fallback. Reads positionally from the shared descriptor, so streams run concurrently.
   * Not re-verified: the fallback client verifies chunk hashes itself.
   */
  createReadStream(start: number, end: number): ReadStream {
    this.assertOpen();
    const size = this.manifest.size;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `byte range ${start}-${end} is outside the image of ${size} bytes`, {
        index: start,
        expected: size,
      });
    }
    return createReadStream('', { fd: this.fh, start, end, autoClose: false, emitClose: true });
  }

  /** Number of chunks of the image. */
  get chunkCount(): number {
    return chunkCount(this.manifest.size, this.manifest.chunkSize);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}
