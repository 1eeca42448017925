// The end of a transfer: fsync, the zeros of a disk's empty regions, and the read-back, with a
// status line every 250 ms (on a disk they take minutes), and how damaged chunks are named.
import type { Clock } from '../dp/patience';
import type { ChunkStore } from './ports';
import type { AgentStatus } from './status';

/** "chunk 7" / "3 chunks (1, 5, 9)" / "40 chunks (1, 2, 3, 4, 5, 6, 7, 8, ...)". */
export function chunkList(chunks: readonly number[]): string {
  if (chunks.length === 1) return `chunk ${String(chunks[0])}`;
  const shown = chunks.slice(0, 8).join(', ');
  return `${chunks.length} chunks (${shown}${chunks.length > 8 ? ', ...' : ''})`;
}

const formatMiB = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

/** store.finish() with progress; returns the chunks that read back damaged (see ChunkStore.finish). */
export async function finishTarget(store: ChunkStore, status: AgentStatus, clock: Clock): Promise<readonly number[]> {
  let read = 0;
  let zeros: [number, number] = [0, 0];
  const size = Math.max(1, store.manifest.size);
  const show = (): void => {
    const [z, zTotal] = zeros;
    const what =
      read > 0 ? `read back ${Math.floor((read / size) * 100)}%`
      : z < zTotal ? `writing zeros to the image's empty regions: ${Math.floor((z / zTotal) * 100)}% of ${formatMiB(zTotal)}`
      : 'syncing the target';
    status.progress.set('verifying', what);
    status.tick(clock.now());
  };
  show();
  const timer = setInterval(show, 250);
  try {
    return await store.finish(
      (n) => (read = n),
      (n, total) => (zeros = [n, total]),
    );
  } finally {
    clearInterval(timer);
  }
}
