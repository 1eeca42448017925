// The CPU work of an import for one read buffer of whole chunks: SHA-256 and zero test of each
// chunk, and with compression the stored form of each chunk (a zstd frame, or the raw bytes when
// zstd cannot shrink them) and the SHA-256 of those stored bytes. One pure function, run by the
// import's worker threads and, for the single-thread reference, on the calling thread: both give
// byte-identical results by construction.
import { createHash } from 'node:crypto';
import type { ChunkZstd } from '../chunk-compression';
import { isAllZero } from '../zero';

/** Per-chunk result: the raw chunk's SHA-256 and whether it is all zeros. */
export interface ChunkDigest {
  readonly sha256: string;
  readonly zero: boolean;
}

/** What to do with one buffer of whole chunks. */
export interface ChunkJob {
  readonly chunkSize: number;
  /**
   * With compression: one flag per chunk of the buffer, 0 for a chunk a used-block map leaves
   * unused (never stored). Undefined: no compression, only hashes.
   */
  readonly store?: Uint8Array;
  /** zstd level, with `store`. */
  readonly level?: number;
}

/** The stored chunks of one buffer, in chunk order, with compression. */
export interface StoredChunks {
  /** Stored bytes of every stored chunk, back to back (what the chunk pack appends). */
  readonly bytes: Uint8Array;
  /** Stored size per chunk of the buffer; 0 for a zero or unused chunk. */
  readonly sizes: readonly number[];
  /** SHA-256 of each chunk's stored bytes ('' for a chunk not stored): the pack index. */
  readonly storedSha256: readonly string[];
}

export interface ChunkWorkResult {
  readonly digests: readonly ChunkDigest[];
  readonly stored?: StoredChunks;
  /** The thread that did the work (worker_threads' threadId; 0 is the main thread). */
  readonly threadId: number;
}

/** Bytes of each of the 4 places a chunk is sampled at before zstd runs on all of it. */
const PROBE_SLICE = 8192;
/** A sample that zstd does not shrink below this share is taken for incompressible data. */
const PROBE_KEEP = 0.97;

/**
 * Whether zstd is worth running on the whole chunk: a 32 KiB sample from its start, thirds and end
 * must shrink by 3%. Random or already-compressed data (the benchmark's random image, JPEG, zip)
 * then costs ~3% of a compression attempt (zstd level 3 runs ~350 MB/s per core over such data,
 * 6x slower than the chunk's SHA-256) and is stored raw, as it would be after the attempt. Chunks
 * under 64 KiB are always tried. A chunk whose samples all miss its compressible part is stored
 * raw: a little size lost for a rare chunk, never correctness.
 */
function worthCompressing(zstd: ChunkZstd, c: Uint8Array, level: number): boolean {
  if (c.length < 8 * PROBE_SLICE) return true;
  const sample = new Uint8Array(4 * PROBE_SLICE);
  const step = Math.floor((c.length - PROBE_SLICE) / 3);
  for (let k = 0; k < 4; k++) sample.set(c.subarray(k * step, k * step + PROBE_SLICE), k * PROBE_SLICE);
  return zstd.compress(sample, level).length < PROBE_KEEP * sample.length;
}

/** Hash of an all-zero chunk, computed once per length: zero chunks then cost a word scan. */
function zeroHash(len: number, cache: Map<number, string>): string {
  let h = cache.get(len);
  if (h === undefined) {
    h = createHash('sha256').update(Buffer.alloc(len)).digest('hex');
    cache.set(len, h);
  }
  return h;
}

/**
 * Hashes (and with `job.store` compresses) every chunk of `buf`. `zstd` is needed only with
 * `job.store`. The stored form of a chunk is its zstd frame when shorter than the chunk, else the
 * raw chunk (also without trying, when a sample of it does not compress: `worthCompressing`), so
 * a stored chunk is never larger than the chunk (see chunk-pack.ts).
 */
export function workChunks(buf: Uint8Array, job: ChunkJob, zstd: ChunkZstd | undefined, zeroCache: Map<number, string>, threadId: number): ChunkWorkResult {
  const { chunkSize, store } = job;
  const digests: ChunkDigest[] = [];
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  const storedSha256: string[] = [];
  let storedBytes = 0;
  for (let o = 0, i = 0; o < buf.length; o += chunkSize, i++) {
    const c = buf.subarray(o, Math.min(o + chunkSize, buf.length));
    const zero = isAllZero(c);
    const sha256 = zero ? zeroHash(c.length, zeroCache) : createHash('sha256').update(c).digest('hex');
    digests.push({ sha256, zero });
    if (store === undefined) continue;
    if (zero || store[i] === 0) {
      sizes.push(0);
      storedSha256.push('');
      continue;
    }
    if (zstd === undefined || job.level === undefined) throw new Error('internal: compression asked for without zstd or a level');
    const frame = worthCompressing(zstd, c, job.level) ? zstd.compress(c, job.level) : c;
    const kept = frame.length < c.length ? frame : c;
    frames.push(kept);
    sizes.push(kept.length);
    storedSha256.push(kept === c ? sha256 : createHash('sha256').update(kept).digest('hex'));
    storedBytes += kept.length;
  }
  if (store === undefined) return { digests, threadId };
  // One buffer for all frames: a worker transfers it back to the main thread without a copy.
  const bytes = new Uint8Array(storedBytes);
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
  }
  return { digests, stored: { bytes, sizes, storedSha256 }, threadId };
}
