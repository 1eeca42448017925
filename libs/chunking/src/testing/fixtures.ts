// Test helpers (not exported from the lib): temp dirs, seeded bytes, reference manifests.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `castpoint-chunking-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift32), never all zero for len >= 4. */
export function seededBytes(len: number, seed: number): Buffer {
  const out = Buffer.alloc(len);
  let x = seed | 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x & 0xff) | (i % 97 === 0 ? 1 : 0);
  }
  return out;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The manifest of an in-memory image, computed the obvious way (the reference for importImage). */
export function referenceManifest(image: Buffer, chunkSize: number): Manifest {
  const chunks: string[] = [];
  const zeroChunks: number[] = [];
  for (let o = 0, i = 0; o < image.length; o += chunkSize, i++) {
    const c = image.subarray(o, Math.min(o + chunkSize, image.length));
    if (c.every((b) => b === 0)) zeroChunks.push(i);
    chunks.push(sha256(c));
  }
  return { version: MANIFEST_VERSION, size: image.length, chunkSize, sha256: sha256(image), chunks, zeroChunks };
}

/** Builds an image from (kind, length) regions: 'data' regions are seeded random, 'zero' regions zeros. */
export function buildImage(regions: readonly { zero: boolean; length: number }[], seed: number): Buffer {
  return Buffer.concat(regions.map((r, i) => (r.zero ? Buffer.alloc(r.length) : seededBytes(r.length, seed + i))));
}

/** Byte equality without jest's slow per-element deep equality; a mismatch names the first differing offset. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  if (a.equals(expected)) return;
  let i = 0;
  while (i < Math.min(a.length, expected.length) && a[i] === expected[i]) i++;
  throw new Error(`bytes differ: lengths ${a.length} vs ${expected.length}, first difference at offset ${i}`);
}
