import type { Extent } from './extents';

/** Per chunk: does any used extent touch it. */
export type ChunkUse = Uint8Array;

/**
 * Marks (1) each chunk of `chunkSize` bytes of a `size`-byte disk that any used extent touches;
 * unmarked chunks hold nothing a filesystem will read and need not be captured or written.
 */
export function chunkUse(used: readonly Extent[], size: number, chunkSize: number): ChunkUse {
  const count = Math.ceil(size / chunkSize);
  const marks = new Uint8Array(count);
  for (const e of used) {
    if (e.length <= 0) continue;
    const first = Math.floor(Math.max(0, e.start) / chunkSize);
    const last = Math.min(count - 1, Math.floor((e.start + e.length - 1) / chunkSize));
    marks.fill(1, first, last + 1);
  }
  return marks;
}
