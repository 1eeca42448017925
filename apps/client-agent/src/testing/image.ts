// Test images: seeded bytes with some all-zero chunks, and their manifest, built independently of
// libs/chunking's importer (a second implementation keeps both honest).
import { createHash } from 'node:crypto';
import type { Manifest } from '@castpoint/wire';

export interface TestImage {
  readonly bytes: Uint8Array;
  readonly manifest: Manifest;
}

/** `chunks` chunks of `chunkSize` (the last `lastLength` long), the ones in `zero` all zeros. */
export function makeImage(seed: number, chunkSize: number, chunks: number, zero: readonly number[] = [], lastLength = chunkSize): TestImage {
  const size = (chunks - 1) * chunkSize + lastLength;
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    // xorshift32: deterministic filler, never all zero for a whole chunk.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  for (const z of zero) bytes.fill(0, z * chunkSize, Math.min(size, (z + 1) * chunkSize));
  const hashes: string[] = [];
  for (let c = 0; c < chunks; c++) {
    hashes.push(createHash('sha256').update(bytes.subarray(c * chunkSize, Math.min(size, (c + 1) * chunkSize))).digest('hex'));
  }
  return {
    bytes,
    manifest: {
      version: 1,
      size,
      chunkSize,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      chunks: hashes,
      zeroChunks: [...zero].sort((a, b) => a - b),
    },
  };
}
