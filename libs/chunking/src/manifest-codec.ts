import { createHash, type Hash } from 'node:crypto';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, chunkCount } from './chunk-math';
import { ChunkingError } from './errors';

const HEX64 = /^[0-9a-f]{64}$/;

/** Hard limit against absurd manifests from the network: 2^32 chunks is 4 PiB at 1 MiB. */
const MAX_CHUNKS = 2 ** 32 - 1;

/**
 * Feeds the canonical encoding of a manifest to `sink` piece by piece: JSON with a fixed key order,
 * no whitespace, lowercase hex, zero-chunk indexes ascending. Piecewise so that hashing a
 * several-million-chunk manifest never builds one huge string.
 */
function writeCanonical(m: Manifest, sink: (s: string) => void): void {
  sink(`{"version":${m.version},"size":${m.size},"chunkSize":${m.chunkSize},"sha256":"${m.sha256}","chunks":[`);
  const batch: string[] = [];
  for (let i = 0; i < m.chunks.length; i++) {
    batch.push(`${i === 0 ? '' : ','}"${m.chunks[i]}"`);
    if (batch.length === 4096) {
      sink(batch.join(''));
      batch.length = 0;
    }
  }
  sink(batch.join(''));
  sink(`],"zeroChunks":[${m.zeroChunks.join(',')}]}`);
}

/** The canonical encoding as one string (what the DP serves; what `manifestHash` hashes). */
export function encodeManifest(m: Manifest): string {
  const parts: string[] = [];
  writeCanonical(m, (s) => parts.push(s));
  return parts.join('');
}

/** SHA-256 (hex) of the canonical encoding: the name of the content a session sends. */
export function manifestHash(m: Manifest): string {
  const h: Hash = createHash('sha256');
  writeCanonical(m, (s) => h.update(s));
  return h.digest('hex');
}

function bad(field: string, why: string): ChunkingError {
  return new ChunkingError('CHUNKING_MANIFEST_INVALID', `manifest is invalid: ${field} ${why}`, { field });
}

function nonNegInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field, 'must be a non-negative integer');
  return v;
}

/**
 * Checks a manifest that arrived from outside (HTTP body, file) and returns it typed. Every
 * inconsistency (count of hashes vs. size, unsorted or out-of-range zero chunks, bad hex) is a
 * CHUNKING_MANIFEST_INVALID error naming the field. The result is a fresh object (no extra keys).
 */
export function validateManifest(input: unknown): Manifest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('manifest', 'must be an object');
  const o = input as Record<string, unknown>;
  if (o['version'] !== MANIFEST_VERSION) throw bad('version', `must be ${MANIFEST_VERSION} (got ${String(o['version'])})`);
  const size = nonNegInt(o['size'], 'size');
  const chunkSize = nonNegInt(o['chunkSize'], 'chunkSize');
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw bad('chunkSize', `must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE}`);
  }
  const sha256 = o['sha256'];
  if (typeof sha256 !== 'string' || !HEX64.test(sha256)) throw bad('sha256', 'must be 64 lowercase hex digits');
  const chunks = o['chunks'];
  if (!Array.isArray(chunks)) throw bad('chunks', 'must be an array');
  const count = chunkCount(size, chunkSize);
  if (count > MAX_CHUNKS) throw bad('size', 'is too large');
  if (chunks.length !== count) throw bad('chunks', `must list ${count} hashes for ${size} bytes (got ${chunks.length})`);
  for (let i = 0; i < chunks.length; i++) {
    const c: unknown = chunks[i];
    if (typeof c !== 'string' || !HEX64.test(c)) throw bad(`chunks[${i}]`, 'must be 64 lowercase hex digits');
  }
  const zeroChunks = o['zeroChunks'];
  if (!Array.isArray(zeroChunks)) throw bad('zeroChunks', 'must be an array');
  let prev = -1;
  for (let i = 0; i < zeroChunks.length; i++) {
    const z = nonNegInt(zeroChunks[i], `zeroChunks[${i}]`);
    if (z <= prev) throw bad(`zeroChunks[${i}]`, 'must be strictly ascending');
    if (z >= count) throw bad(`zeroChunks[${i}]`, `must be below the chunk count ${count}`);
    prev = z;
  }
  return {
    version: MANIFEST_VERSION,
    size,
    chunkSize,
    sha256,
    chunks: chunks as string[],
    zeroChunks: zeroChunks as number[],
  };
}
