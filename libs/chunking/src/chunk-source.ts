import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { BlockLayout, type BlockLayoutOptions } from './block-layout';
import { chunkCount, chunkLength } from './chunk-math';
import { loadZstd, type ChunkZstd } from './chunk-compression';
import { ChunkingError, asChunkingError } from './errors';
import { assertImageUnchanged, type ImageFingerprint } from './fingerprint';
import { Lru } from './lru';
import { manifestHash } from './manifest-codec';
import { decodePackIndex, packIndexPath } from './pack-index';
import { StoredChunkIndex } from './stored-chunks';

export interface ChunkSourceOptions extends BlockLayoutOptions {
  /** Chunks kept in memory (each up to chunkSize bytes). @default 64 */
  readonly cacheChunks?: number;
  /**
   * Re-hash each chunk read from disk against the manifest and fail with CHUNKING_IMAGE_CHANGED on
   * a mismatch, so a file edited during a session is never sent as if it were the image.
   * @default true
   */
  readonly verifyReads?: boolean;
  /**
   * The chunk pack of a compressed manifest (required then): chunks are read from it as stored
   * (zstd frames, or raw where zstd could not shrink them) and sent that way. Reads are verified
   * against the pack index beside it (the SHA-256 of each chunk's stored bytes, pack-index.ts);
   * a pack without a usable index (imported before it existed) by decoding each frame and
   * checking the raw SHA-256.
   */
  readonly packPath?: string;
  /**
   * Read chunks into the buffers of chunks the cache has dropped, instead of a new buffer per
   * read. Each new buffer is memory outside V8's heap, and V8 starts a full collection when that
   * grows: a DP sending 200 MiB allocated 200 of them per session and ran a mark-compact of its
   * whole heap about once a second (issue 29). With it, the Buffer `readChunk` gives is valid only
   * while the chunk is cached: take blocks with `readBlockInto` (a copy made while the chunk is
   * pinned); `readBlock` and `readSymbol` then copy too. @default false
   */
  readonly reuseBuffers?: boolean;
}

/** Where one chunk read stands. */
interface ChunkSlot {
  /** The buffer read into (its capacity may pass the chunk's length), once the read succeeded. */
  slab?: Buffer;
  /** Readers copying out of it: an evicted chunk's buffer is reused only once they are done. */
  pins: number;
  evicted: boolean;
}

/** One cached chunk read. */
interface CachedChunk extends ChunkSlot {
  readonly promise: Promise<Buffer>;
}

/** Dropped chunks' buffers kept for reuse: a few cover the reads in flight at once. */
const SPARE_BUFFERS = 4;

/** How `verifyReads` checks a chunk read from disk (see {@link ChunkSource.readCheck}). */
export type ReadCheck = 'raw-sha256' | 'stored-sha256' | 'decode' | 'off';

/** Where stored chunks are read from: the image itself, or the chunk pack of a compressed one. */
interface StoredReader {
  readonly path: string;
  readonly fh: FileHandle;
  readonly index: StoredChunkIndex;
  /** SHA-256 of each chunk's stored bytes, from the pack index: checked without decoding. */
  readonly storedSha256: readonly string[] | undefined;
  /** Present for a pack without a usable index: its frames are checked by decoding them. */
  readonly zstd: ChunkZstd | undefined;
}

/**
 * Reads an imported image for the multicast sender and the unicast fallback endpoint. Chunk reads
 * are cached (bounded LRU) and deduplicated: concurrent callers of one chunk share one read. For a
 * compressed manifest every chunk, block and symbol is of the stored bytes (the pack's frames).
 */
export class ChunkSource {
  readonly layout: BlockLayout;
  private readonly cache: Lru<number, CachedChunk>;
  private readonly reuseBuffers: boolean;
  private readonly spare: Buffer[] = [];
  /** Chunk buffers allocated (not taken from the spares): with reuseBuffers, a few per session. */
  buffersAllocated = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly manifest: Manifest,
    private readonly fh: FileHandle,
    private readonly stored: StoredReader,
    private readonly verifyReads: boolean,
    options: ChunkSourceOptions,
  ) {
    this.layout = new BlockLayout(manifest, options);
    const cacheChunks = options.cacheChunks ?? 64;
    if (!Number.isInteger(cacheChunks) || cacheChunks < 1) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `cacheChunks ${cacheChunks} must be a positive integer`, { field: 'cacheChunks' });
    }
    this.reuseBuffers = options.reuseBuffers ?? false;
    this.cache = new Lru(cacheChunks, (entry) => {
      entry.evicted = true;
      this.recycle(entry);
    });
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
    let stored: StoredReader;
    try {
      stored = await openStored(path, fh, manifest, options.packPath);
    } catch (err) {
      await fh.close();
      throw err;
    }
    try {
      return new ChunkSource(path, manifest, fh, stored, options.verifyReads ?? true, options);
    } catch (err) {
      await fh.close();
      if (stored.fh !== fh) await stored.fh.close();
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ChunkingError('CHUNKING_WRITER_CLOSED', `chunk source for ${this.path} is closed`, { path: this.path });
  }

  /**
   * The bytes of chunk `index` as stored and sent: the raw chunk, or for a compressed manifest its
   * frame in the pack (a shared buffer: callers must not modify it).
   */
  readChunk(index: number): Promise<Buffer> {
    try {
      return this.cached(index).promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The cache entry of chunk `index`, its read started if it was not cached. Throws on a bad index. */
  private cached(index: number): CachedChunk {
    this.assertOpen();
    chunkLength(index, this.manifest.size, this.manifest.chunkSize);
    const hit = this.cache.get(index);
    if (hit) return hit;
    const slot: ChunkSlot = { pins: 0, evicted: false };
    const entry: CachedChunk = Object.assign(slot, { promise: this.load(index, slot) });
    this.cache.set(index, entry);
    // A failed read must not stay cached: the next caller retries.
    entry.promise.catch(() => this.cache.delete(index));
    return entry;
  }

  private async load(index: number, entry: ChunkSlot): Promise<Buffer> {
    const { path, fh, index: where } = this.stored;
    const { start, length: len } = where.range(index);
    const slab = this.takeBuffer(len);
    const buf = slab.length === len ? slab : slab.subarray(0, len);
    let done = 0;
    try {
      while (done < len) {
        const { bytesRead } = await fh.read(buf, done, len - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (err) {
      this.giveBuffer(slab);
      throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot read chunk ${index} of ${path}`, err, { path, chunk: index });
    }
    if (done !== len || (this.verifyReads && !this.matches(index, buf))) {
      this.giveBuffer(slab);
      throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `image file ${path} changed during the session: chunk ${index} no longer matches the manifest`, {
        path,
        chunk: index,
      });
    }
    entry.slab = slab;
    // Dropped from the cache while it was being read: nobody can ask for it any more.
    if (entry.evicted) this.recycle(entry);
    return buf;
  }

  /** A buffer of at least `len` bytes: a spare one with reuseBuffers, else a new one. */
  private takeBuffer(len: number): Buffer {
    if (this.reuseBuffers) {
      const i = this.spare.findIndex((b) => b.length >= len);
      if (i >= 0) return this.spare.splice(i, 1)[0] as Buffer;
      this.buffersAllocated++;
      // Chunk-sized, so that any later chunk (stored frames are never larger) fits in it.
      return Buffer.allocUnsafeSlow(Math.max(len, this.manifest.chunkSize));
    }
    this.buffersAllocated++;
    return Buffer.allocUnsafe(len);
  }

  private giveBuffer(slab: Buffer): void {
    if (this.reuseBuffers && this.spare.length < SPARE_BUFFERS) this.spare.push(slab);
  }

  /** An evicted chunk's buffer becomes a spare once it is read and no reader is copying from it. */
  private recycle(entry: ChunkSlot): void {
    if (!entry.evicted || entry.pins > 0 || entry.slab === undefined) return;
    const slab = entry.slab;
    entry.slab = undefined;
    this.giveBuffer(slab);
  }

  /**
   * How chunk reads are checked: the raw chunk's SHA-256 (raw image), the stored bytes' SHA-256
   * from the pack index (compressed, costs what hashing the smaller stored bytes costs), or
   * decoding and the raw SHA-256 (a pack without an index: ~5x the CPU of the others).
   */
  get readCheck(): ReadCheck {
    if (!this.verifyReads) return 'off';
    if (!this.stored.index.compressed) return 'raw-sha256';
    return this.stored.storedSha256 !== undefined ? 'stored-sha256' : 'decode';
  }

  /** Whether stored bytes are the manifest's chunk, by the check `readCheck` names. */
  private matches(index: number, buf: Buffer): boolean {
    const { storedSha256, zstd } = this.stored;
    if (storedSha256 !== undefined) return createHash('sha256').update(buf).digest('hex') === storedSha256[index];
    const expected = this.manifest.chunks[index] ?? '';
    if (zstd === undefined) return createHash('sha256').update(buf).digest('hex') === expected;
    try {
      zstd.decode(buf, index, chunkLength(index, this.manifest.size, this.manifest.chunkSize), expected);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The k source symbols of `block`, each `symbolSize` bytes; the last one is zero-padded to full
   * size (FEC works on equal-size symbols; the receiver trims by the block's length). Full symbols
   * are views into the cached chunk: callers must not modify them.
   */
  async readBlock(block: number): Promise<Buffer[]> {
    const info = this.layout.blockInfo(block);
    if (this.reuseBuffers) {
      const { symbolSize } = this.layout;
      const into = Buffer.allocUnsafe(info.k * symbolSize);
      await this.readBlockInto(block, into);
      return Array.from({ length: info.k }, (_, s) => into.subarray(s * symbolSize, (s + 1) * symbolSize));
    }
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

  /**
   * Copies the k source symbols of `block` into `into` (at least k x symbolSize bytes; the short
   * last symbol zero-padded, symbol s at s x symbolSize) and returns k. No views are made: a
   * caller that keeps blocks for a while keeps one buffer per block, not k objects for the
   * collector to promote. The chunk stays pinned while it is copied, so with reuseBuffers its
   * buffer is not handed to another read meanwhile.
   */
  async readBlockInto(block: number, into: Uint8Array): Promise<number> {
    const info = this.layout.blockInfo(block);
    const { symbolSize } = this.layout;
    const size = info.k * symbolSize;
    if (into.length < size) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `block ${block} needs ${size} bytes, the buffer given holds ${into.length}`, { field: 'into', actual: into.length });
    }
    await this.withChunk(info.chunk, (chunk) => {
      into.set(chunk.subarray(info.offsetInChunk, info.offsetInChunk + info.length));
      into.fill(0, info.length, size);
    });
    return info.k;
  }

  /** Runs `use` on chunk `index` while it is pinned (its buffer not reused), once it is read. */
  private async withChunk(index: number, use: (chunk: Buffer) => void): Promise<void> {
    const entry = this.cached(index);
    entry.pins++;
    try {
      use(await entry.promise);
    } finally {
      entry.pins--;
      this.recycle(entry);
    }
  }

  /** One source symbol of `block` (zero-padded when it is the short last one). */
  async readSymbol(block: number, symbol: number): Promise<Buffer> {
    const k = this.layout.blockK(block);
    if (!Number.isInteger(symbol) || symbol < 0 || symbol >= k) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `symbol ${symbol} does not exist in block ${block} (k = ${k})`, { index: symbol, expected: k });
    }
    const info = this.layout.blockInfo(block);
    const { symbolSize } = this.layout;
    const start = info.offsetInChunk + symbol * symbolSize;
    const end = Math.min(start + symbolSize, info.offsetInChunk + info.length);
    if (this.reuseBuffers) {
      // The chunk's buffer may be read into again later: a copy, not a view.
      const copy = Buffer.alloc(symbolSize);
      await this.withChunk(info.chunk, (chunk) => chunk.copy(copy, 0, start, end));
      return copy;
    }
    const chunk = await this.readChunk(info.chunk);
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
    if (this.stored.fh !== this.fh) await this.stored.fh.close();
    await this.fh.close();
  }
}

/**
 * The image itself for a raw manifest; the pack for a compressed one, refused
 * (CHUNKING_IMAGE_CHANGED) when its size is not the sum of the manifest's frame sizes.
 */
async function openStored(path: string, fh: FileHandle, manifest: Manifest, packPath: string | undefined): Promise<StoredReader> {
  const index = new StoredChunkIndex(manifest);
  if (!index.compressed) return { path, fh, index, storedSha256: undefined, zstd: undefined };
  if (packPath === undefined) {
    throw new ChunkingError('CHUNKING_BAD_OPTION', `image ${path} was imported compressed: its chunk pack is needed to send it`, { field: 'packPath' });
  }
  const st = await stat(packPath).catch((err: unknown) => {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open chunk pack ${packPath}`, err, { path: packPath });
  });
  if (st.size !== index.total) {
    throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `chunk pack ${packPath} holds ${st.size} bytes, the manifest lists ${index.total}`, { path: packPath, expected: index.total, actual: st.size });
  }
  const packFh = await open(packPath, 'r').catch((err: unknown) => {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open chunk pack ${packPath}`, err, { path: packPath });
  });
  const storedSha256 = await readPackIndex(packPath, manifest);
  return { path: packPath, fh: packFh, index, storedSha256, zstd: storedSha256 === undefined ? await loadZstd() : undefined };
}

/**
 * The stored-chunk hashes from the pack's index, or undefined when there is none or it is not this
 * manifest's (then every read is decoded: slower, as safe).
 */
async function readPackIndex(packPath: string, manifest: Manifest): Promise<readonly string[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(packIndexPath(packPath));
  } catch {
    return undefined;
  }
  const r = decodePackIndex(bytes, manifestHash(manifest), chunkCount(manifest.size, manifest.chunkSize));
  return r.ok ? r.storedSha256 : undefined;
}
