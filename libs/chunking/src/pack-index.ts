// The pack index: the SHA-256 of every chunk's STORED bytes in a chunk pack, recorded at import
// in a file beside the pack (`packIndexPath`). With it the DP checks each chunk it reads from the
// pack by hashing the bytes it is about to send (a fifth of the raw size for a typical disk)
// instead of decoding the frame and hashing the raw chunk. A pack without an index (imported
// before it existed) keeps the decoding check. The wire format and the manifest do not change:
// agents never see this file.
//
// Layout (all integers little-endian):
//   0  8 bytes  magic "CPPKIDX1"
//   8  32 bytes the manifest hash (raw bytes) this index belongs to
//  40  4 bytes  chunk count N
//  44  N x 32 bytes SHA-256 of chunk i's stored bytes; 32 zero bytes for a chunk not stored
import { ChunkingError } from './errors';

const MAGIC = Buffer.from('CPPKIDX1', 'latin1');
const HEADER = 44;
const HASH = 32;
const NOT_STORED = Buffer.alloc(HASH);
const HEX64 = /^[0-9a-f]{64}$/;

export interface PackIndex {
  /** Hex manifest hash of the manifest whose pack this indexes. */
  readonly manifestHash: string;
  /** Hex SHA-256 of each chunk's stored bytes, '' for a zero or unused chunk (nothing stored). */
  readonly storedSha256: readonly string[];
}

/** The index file of the pack at `packPath`. */
export function packIndexPath(packPath: string): string {
  return `${packPath}.idx`;
}

export function encodePackIndex(index: PackIndex): Buffer {
  if (!HEX64.test(index.manifestHash)) throw new ChunkingError('CHUNKING_MANIFEST_INVALID', 'pack index: the manifest hash must be 64 lowercase hex digits', { field: 'manifestHash' });
  const n = index.storedSha256.length;
  const out = Buffer.alloc(HEADER + n * HASH);
  MAGIC.copy(out, 0);
  out.write(index.manifestHash, 8, 'hex');
  out.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) {
    const h = index.storedSha256[i] ?? '';
    if (h === '') continue; // stays 32 zero bytes
    if (!HEX64.test(h)) throw new ChunkingError('CHUNKING_MANIFEST_INVALID', `pack index: the hash of chunk ${i} must be 64 lowercase hex digits`, { field: `storedSha256[${i}]` });
    out.write(h, HEADER + i * HASH, 'hex');
  }
  return out;
}

/** Why an index file cannot be used (the caller falls back to decoding every chunk). */
export type PackIndexProblem = 'magic' | 'length' | 'manifest' | 'count';

/**
 * The stored-chunk hashes of an index file, when it is an index of the manifest named
 * `manifestHash` with `chunkCount` chunks; else which check failed.
 */
export function decodePackIndex(bytes: Uint8Array, manifestHash: string, chunkCount: number): { readonly ok: true; readonly storedSha256: readonly string[] } | { readonly ok: false; readonly problem: PackIndexProblem } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER || !b.subarray(0, 8).equals(MAGIC)) return { ok: false, problem: 'magic' };
  if (b.toString('hex', 8, 40) !== manifestHash) return { ok: false, problem: 'manifest' };
  const n = b.readUInt32LE(40);
  if (n !== chunkCount) return { ok: false, problem: 'count' };
  if (b.length !== HEADER + n * HASH) return { ok: false, problem: 'length' };
  const storedSha256: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const at = HEADER + i * HASH;
    storedSha256[i] = b.subarray(at, at + HASH).equals(NOT_STORED) ? '' : b.toString('hex', at, at + HASH);
  }
  return { ok: true, storedSha256 };
}
