import { createHash, type Hash } from 'node:crypto';
import { type ChunkKind, MANIFEST_VERSION, type Manifest, type UsedMapInfo } from '@castpoint/wire';
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
  sink(`],"zeroChunks":[${m.zeroChunks.join(',')}]`);
  // Optional keys only when present, so that a manifest without them keeps its old hash.
  if (m.unusedChunks !== undefined) sink(`,"unusedChunks":[${m.unusedChunks.join(',')}]`);
  if (m.usedMap !== undefined) sink(`,"usedMap":{"source":${JSON.stringify(m.usedMap.source)},"reasons":${JSON.stringify(m.usedMap.reasons)}}`);
  sink('}');
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
  const unused = o['unusedChunks'] === undefined ? undefined : indexList(o['unusedChunks'], 'unusedChunks', count);
  if (unused !== undefined) {
    const zeros = new Set(zeroChunks as number[]);
    const both = unused.find((u) => zeros.has(u));
    if (both !== undefined) throw bad('unusedChunks', `and zeroChunks both list chunk ${both}`);
  }
  const usedMap = o['usedMap'] === undefined ? undefined : validateUsedMap(o['usedMap']);
  return {
    version: MANIFEST_VERSION,
    size,
    chunkSize,
    sha256,
    chunks: chunks as string[],
    zeroChunks: zeroChunks as number[],
    ...(unused !== undefined ? { unusedChunks: unused } : {}),
    ...(usedMap !== undefined ? { usedMap } : {}),
  };
}

function indexList(v: unknown, field: string, count: number): number[] {
  if (!Array.isArray(v)) throw bad(field, 'must be an array');
  let prev = -1;
  for (let i = 0; i < v.length; i++) {
    const z = nonNegInt(v[i], `${field}[${i}]`);
    if (z <= prev) throw bad(`${field}[${i}]`, 'must be strictly ascending');
    if (z >= count) throw bad(`${field}[${i}]`, `must be below the chunk count ${count}`);
    prev = z;
  }
  return v as number[];
}

const MAX_REASONS = 256;
const MAX_REASON_LENGTH = 2000;

function validateUsedMap(v: unknown): UsedMapInfo {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('usedMap', 'must be an object');
  const o = v as Record<string, unknown>;
  if (o['source'] !== 'filesystem' && o['source'] !== 'every-block') throw bad('usedMap.source', 'must be "filesystem" or "every-block"');
  const reasons = o['reasons'];
  if (!Array.isArray(reasons) || reasons.length > MAX_REASONS || !reasons.every((r) => typeof r === 'string' && r.length <= MAX_REASON_LENGTH)) {
    throw bad('usedMap.reasons', `must be at most ${MAX_REASONS} strings of up to ${MAX_REASON_LENGTH} characters`);
  }
  return { source: o['source'], reasons: reasons as string[] };
}

/** Chunks never transmitted: zero and unused, ascending (what the block layout leaves out). */
export function untransmittedChunks(m: Pick<Manifest, 'zeroChunks' | 'unusedChunks'>): number[] {
  const unused = m.unusedChunks ?? [];
  if (unused.length === 0) return [...m.zeroChunks];
  return [...m.zeroChunks, ...unused].sort((a, b) => a - b);
}

/** The kind of chunk `index`: for logs, tests and the capture upload. */
export function chunkKind(m: Pick<Manifest, 'zeroChunks' | 'unusedChunks'>, index: number): ChunkKind {
  if (binaryHas(m.zeroChunks, index)) return 'zero';
  if (m.unusedChunks !== undefined && binaryHas(m.unusedChunks, index)) return 'unused';
  return 'data';
}

function binaryHas(sorted: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid] ?? -1;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Chunk use from a used-block map: 1 for each chunk of `chunkSize` bytes of a `size`-byte image that
 * a used extent `{ start, length }` (bytes) touches. Untouched chunks can be marked unused.
 */
export function chunksTouched(used: readonly { readonly start: number; readonly length: number }[], size: number, chunkSize: number): Uint8Array {
  const count = chunkCount(size, chunkSize);
  const marks = new Uint8Array(count);
  for (const e of used) {
    if (!(e.length > 0)) continue;
    const first = Math.floor(Math.max(0, e.start) / chunkSize);
    const last = Math.min(count - 1, Math.floor((e.start + e.length - 1) / chunkSize));
    if (last >= first) marks.fill(1, first, last + 1);
  }
  return marks;
}
