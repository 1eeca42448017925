import { createHash } from 'node:crypto';
// zstd compiled to WASM: no native add-on to extract at run time. From sources it reads its .wasm
// beside itself; tools/build/bundle.mjs inlines those bytes into the bundle, so the esbuild bundle
// and the agent's single executable (SEA) need no file. Why this library: docs/chunking.md.
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { ChunkingError } from './errors';

/** zstd's own bounds for `ZSTD_compress` levels (negative "fast" levels are not offered). */
export const MIN_ZSTD_LEVEL = 1;
export const MAX_ZSTD_LEVEL = 22;
/** Fast to compress at import and decodes at several hundred MB/s per core (docs/chunking.md). */
export const DEFAULT_ZSTD_LEVEL = 3;

/** Synchronous zstd of one chunk, after {@link loadZstd} resolved once. */
export interface ChunkZstd {
  /** One zstd frame holding `raw`, with its content size in the header (checked on decode). */
  compress(raw: Uint8Array, level: number): Buffer;
  /**
   * The raw bytes of chunk `chunk` from its frame, checked against the manifest's SHA-256 of the
   * raw chunk. Throws CHUNKING_CHUNK_DECOMPRESS_FAILED for a frame that is not zstd or does not
   * declare exactly `rawLength` bytes (checked before any memory is allocated for it), and
   * CHUNKING_CHUNK_HASH_MISMATCH when it decodes to other bytes.
   */
  decompress(frame: Uint8Array, chunk: number, rawLength: number, sha256: string): Buffer;
  /**
   * A chunk as a pack stores it: the raw bytes when its length is the raw length (zstd could not
   * shrink it), else a frame. Either way checked against the raw SHA-256, as `decompress`.
   */
  decode(stored: Uint8Array, chunk: number, rawLength: number, sha256: string): Buffer;
  /**
   * `decode` without the hash check, for a caller that hashes the raw bytes itself right after
   * (the writer does, before every write): one SHA-256 per chunk instead of two. The stored bytes
   * themselves when they have the raw length (no copy), else a fresh buffer.
   */
  inflate(stored: Uint8Array, chunk: number, rawLength: number): Buffer;
}

let loading: Promise<ChunkZstd> | undefined;

/** Instantiates the WASM module once per thread; later calls share it. */
export function loadZstd(): Promise<ChunkZstd> {
  loading ??= zstdInit().then((): ChunkZstd => ({
    decode(stored, chunk, rawLength, sha256) {
      const raw = this.inflate(stored, chunk, rawLength);
      checkRawHash(raw, chunk, sha256);
      return raw;
    },
    inflate(stored, chunk, rawLength) {
      if (stored.length === rawLength) return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
      return inflateFrame(stored, chunk, rawLength);
    },
    compress(raw, level) {
      assertZstdLevel(level);
      return Buffer.from(zstdCompress(raw, level));
    },
    decompress(frame, chunk, rawLength, sha256) {
      const raw = inflateFrame(frame, chunk, rawLength);
      checkRawHash(raw, chunk, sha256);
      return raw;
    },
  }));
  return loading;
}

/** One frame's raw bytes, of exactly `rawLength` (declared in the header, checked before decoding). */
function inflateFrame(frame: Uint8Array, chunk: number, rawLength: number): Buffer {
  const declared = frameContentSize(frame);
  if (declared !== rawLength) {
    throw new ChunkingError('CHUNKING_CHUNK_DECOMPRESS_FAILED', `chunk ${chunk} is not a zstd frame of ${rawLength} bytes`, {
      chunk,
      expected: rawLength,
      ...(declared !== undefined ? { actual: declared } : {}),
    });
  }
  let raw: Buffer;
  try {
    const out = zstdDecompress(frame); // a fresh copy out of the WASM heap: wrap it, do not copy again
    raw = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new ChunkingError('CHUNKING_CHUNK_DECOMPRESS_FAILED', `chunk ${chunk} does not decompress: ${String(err)}`, { chunk, expected: rawLength }, { cause: err });
  }
  if (raw.length !== rawLength) {
    throw new ChunkingError('CHUNKING_CHUNK_DECOMPRESS_FAILED', `chunk ${chunk} decompressed to ${raw.length} bytes, not ${rawLength}`, {
      chunk,
      expected: rawLength,
      actual: raw.length,
    });
  }
  return raw;
}

function checkRawHash(raw: Buffer, chunk: number, sha256: string): void {
  const actual = createHash('sha256').update(raw).digest('hex');
  if (actual !== sha256) {
    throw new ChunkingError('CHUNKING_CHUNK_HASH_MISMATCH', `chunk ${chunk} decoded to bytes whose SHA-256 is not the manifest's`, { chunk, expected: sha256, actual });
  }
}

export function assertZstdLevel(level: number): void {
  if (!Number.isInteger(level) || level < MIN_ZSTD_LEVEL || level > MAX_ZSTD_LEVEL) {
    throw new ChunkingError('CHUNKING_BAD_OPTION', `zstd level must be an integer from ${MIN_ZSTD_LEVEL} to ${MAX_ZSTD_LEVEL} (got ${level})`, {
      field: 'compressLevel',
      actual: level,
    });
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;

/**
 * The content size a zstd frame header declares (RFC 8878 section 3.1.1.1), or undefined when the
 * bytes are not a frame header or declare no size. Read here, bounds-checked, so that a crafted
 * frame claiming gigabytes is refused before the decoder sizes a buffer from it.
 */
export function frameContentSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== ZSTD_MAGIC) return undefined;
  const descriptor = view.getUint8(4);
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) return undefined; // reserved bit: not a valid frame
  const at = 5 + (singleSegment ? 0 : 1) + (DICT_ID_BYTES[descriptor & 0x03] ?? 0);
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  if (fcsBytes === 0 || at + fcsBytes > frame.length) return undefined;
  switch (fcsBytes) {
    case 1:
      return view.getUint8(at);
    case 2:
      return view.getUint16(at, true) + 256;
    case 4:
      return view.getUint32(at, true);
    default: {
      const big = view.getBigUint64(at, true);
      return big > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(big);
    }
  }
}
