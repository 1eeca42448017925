import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Manifest } from '@castpoint/wire';
import { chunkCount, chunkLength, chunkOffset } from './chunk-math';
import { ChunkingError, asChunkingError } from './errors';

/** What the DP remembers of an image file to notice that it changed since import. */
export interface ImageFingerprint {
  readonly size: number;
  readonly mtimeMs: number;
  /** Indexes of the sampled chunks; their hashes are `manifest.chunks[i]`, repeated here for clarity. */
  readonly samples: readonly { readonly chunk: number; readonly sha256: string }[];
}

/** How many chunks to re-hash before a session: first, last and evenly spaced ones in between. */
export const FINGERPRINT_SAMPLES = 8;

/** Deterministic sample positions, so DP restarts check the same chunks the import recorded. */
export function sampleChunks(count: number, samples = FINGERPRINT_SAMPLES): number[] {
  if (count === 0) return [];
  const set = new Set<number>();
  for (let s = 0; s < samples; s++) set.add(Math.round((s * (count - 1)) / Math.max(1, samples - 1)));
  return [...set].sort((a, b) => a - b);
}

export function makeFingerprint(manifest: Manifest, mtimeMs: number): ImageFingerprint {
  const count = chunkCount(manifest.size, manifest.chunkSize);
  return {
    size: manifest.size,
    mtimeMs,
    samples: sampleChunks(count).map((chunk) => ({ chunk, sha256: manifest.chunks[chunk] ?? '' })),
  };
}

function changed(path: string, why: string, data: { expected?: string | number; actual?: string | number; chunk?: number }): ChunkingError {
  return new ChunkingError(
    'CHUNKING_IMAGE_CHANGED',
    `image file ${path} changed since it was imported (${why}); import it again before starting a session`,
    { path, ...data },
  );
}

/**
 * Refuses (CHUNKING_IMAGE_CHANGED) when the file at `path` no longer matches what was imported: its
 * size, its modification time, and the SHA-256 of the sampled chunks. A touched-but-identical file
 * is refused too: mtime is the cheap signal that someone wrote to it, and re-import is safe.
 */
export async function assertImageUnchanged(path: string, manifest: Manifest, fingerprint: ImageFingerprint): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot read image file ${path}`, err, { path });
  }
  if (st.size !== manifest.size || st.size !== fingerprint.size) {
    throw changed(path, `size is ${st.size} bytes, was ${manifest.size}`, { expected: manifest.size, actual: st.size });
  }
  if (st.mtimeMs !== fingerprint.mtimeMs) {
    throw changed(path, `modified at ${new Date(st.mtimeMs).toISOString()}, import saw ${new Date(fingerprint.mtimeMs).toISOString()}`, {
      expected: fingerprint.mtimeMs,
      actual: st.mtimeMs,
    });
  }
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open image file ${path}`, err, { path });
  });
  try {
    for (const s of fingerprint.samples) {
      const len = chunkLength(s.chunk, manifest.size, manifest.chunkSize);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, chunkOffset(s.chunk, manifest.chunkSize));
      const actual = createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
      const expected = manifest.chunks[s.chunk];
      if (actual !== expected || actual !== s.sha256) {
        throw changed(path, `chunk ${s.chunk} has different content`, { chunk: s.chunk, expected: expected ?? '', actual });
      }
    }
  } finally {
    await fh.close();
  }
}
