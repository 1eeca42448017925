// zstd for chunks, on one of two engines that make and read the same standard frames:
// - node:zlib's zstd (Node 22.15 and later, so every castpoint process today): zstd in Node's own
//   binary, ~2x the WASM's speed both ways (1 MiB chunks of a binary, 2026-12-07: decompress
//   751-859 against 369-448 MB/s per core, compress 203-212 against 109-113; docs/chunking.md);
// - zstd compiled to WASM (@bokuweb/zstd-wasm), where node:zlib has none: no native add-on to
//   extract at run time. From sources it reads its .wasm beside itself; tools/build/bundle.mjs
//   inlines those bytes into the bundle, so the esbuild bundle and the agent's single executable
//   (SEA) need no file. Why this library: docs/chunking.md.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { ChunkingError } from './errors';

/** zstd's own bounds for `ZSTD_compress` levels (negative "fast" levels are not offered). */
export const MIN_ZSTD_LEVEL = 1;
export const MAX_ZSTD_LEVEL = 22;
/** Fast to compress at import and decodes at several hundred MB/s per core (docs/chunking.md). */
export const DEFAULT_ZSTD_LEVEL = 3;

/** Synchronous zstd of one chunk, after {@link loadZstd} resolved once. */
export interface ChunkZstd {
  /** Which engine: node:zlib's zstd, or the WASM build where node:zlib has none. */
  readonly engine: 'node:zlib' | 'wasm';
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

/** One engine's two calls: a frame of `raw` at `level`, and the bytes of a frame (at most `rawLength`). */
interface ZstdCodec {
  compress(raw: Uint8Array, level: number): Buffer;
  decompress(frame: Uint8Array, rawLength: number): Buffer;
}

/** The chunk checks around an engine: levels, the declared size, the raw hash, typed errors. */
function chunkZstd(engine: ChunkZstd['engine'], codec: ZstdCodec): ChunkZstd {
  const inflateFrame = (frame: Uint8Array, chunk: number, rawLength: number): Buffer => {
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
      raw = codec.decompress(frame, rawLength);
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
  };
  return {
    engine,
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
      return codec.compress(raw, level);
    },
    decompress(frame, chunk, rawLength, sha256) {
      const raw = inflateFrame(frame, chunk, rawLength);
      checkRawHash(raw, chunk, sha256);
      return raw;
    },
  };
}

/**
 * node:zlib's zstd calls where this Node has them (22.15 and later). Spelled out here: the
 * workspace's @types/node is still Node 20's, which has no zstd.
 */
interface NodeZstd {
  readonly zstdCompressSync?: (buf: Uint8Array, options: { params: Record<number, number> }) => Buffer;
  readonly zstdDecompressSync?: (buf: Uint8Array, options: { maxOutputLength: number; chunkSize: number }) => Buffer;
  readonly constants?: { readonly ZSTD_c_compressionLevel?: number };
}

/** node:zlib's zstd, or undefined on a Node without it. `z` is node:zlib (a spec passes a stand-in). */
export function nodeZstd(z: NodeZstd = zlib as unknown as NodeZstd): ChunkZstd | undefined {
  const { zstdCompressSync, zstdDecompressSync, constants } = z;
  if (typeof zstdCompressSync !== 'function' || typeof zstdDecompressSync !== 'function' || constants?.ZSTD_c_compressionLevel === undefined) return undefined;
  const levelParam = constants.ZSTD_c_compressionLevel;
  return chunkZstd('node:zlib', {
    // One call over the whole chunk: zstd knows its size and writes it into the frame header.
    compress: (raw, level) => zstdCompressSync(raw, { params: { [levelParam]: level } }),
    // One output buffer of the chunk's size (the default 16 KiB pieces, joined, cost twice the
    // CPU), and never more: a frame that would decode past it fails here.
    decompress: (frame, rawLength) => zstdDecompressSync(frame, { maxOutputLength: Math.max(1, rawLength), chunkSize: Math.max(64, rawLength) }),
  });
}

let wasmLoading: Promise<ChunkZstd> | undefined;

/** The WASM engine, instantiated once per thread; later calls share it. */
export function loadWasmZstd(): Promise<ChunkZstd> {
  wasmLoading ??= zstdInit().then(() =>
    chunkZstd('wasm', {
      compress: (raw, level) => Buffer.from(zstdCompress(raw, level)),
      decompress: (frame) => {
        const out = zstdDecompress(frame); // a fresh copy out of the WASM heap: wrap it, do not copy again
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      },
    }),
  );
  return wasmLoading;
}

/** The chunk zstd of this process: node:zlib's where this Node has it, else the WASM. */
export function loadZstd(): Promise<ChunkZstd> {
  const native = nodeZstd();
  return native !== undefined ? Promise.resolve(native) : loadWasmZstd();
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
