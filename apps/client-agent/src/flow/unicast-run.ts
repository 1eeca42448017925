// Unicast fallback: HTTP Range downloads of exactly the chunks the journal does not hold, verified
// and written the same way as multicast data (for a compressed image, each chunk's frame in the
// DP's chunk pack, decoded by the store as a multicast one is). A few requests run at once to fill the link.
import { StoredChunkIndex } from '@castpoint/chunking';
import { AgentError } from '../errors';
import type { Clock } from '../dp/patience';
import { withPatience } from '../dp/patience';
import type { ChunkStore } from './ports';
import type { AgentStatus } from './status';

export interface RangeFetcher {
  fetchRange(contentPath: string, start: number, length: number): Promise<Uint8Array>;
}

export interface UnicastRunArgs {
  readonly dp: RangeFetcher;
  readonly contentPath: string;
  readonly store: ChunkStore;
  readonly status: AgentStatus;
  readonly clock: Clock;
  readonly dpPatienceMs: number;
  /** Chunks downloaded at once. @default 4 */
  readonly concurrency?: number;
  /** Status tick period while downloading, ms. @default 250 */
  readonly tickMs?: number;
}

/** Downloads every missing non-zero chunk. Resolves when all are journaled; returns how many it fetched. */
export async function runUnicast(a: UnicastRunArgs): Promise<number> {
  const { store, status } = a;
  const m = store.manifest;
  const zero = new Set([...m.zeroChunks, ...(m.unusedChunks ?? [])]);
  const stored = new StoredChunkIndex(m);
  const todo: number[] = [];
  for (let c = 0; c < store.totalChunks; c++) if (!store.isDone(c) && !zero.has(c)) todo.push(c);
  let fetched = 0;
  let next = 0;
  let failed = false;
  const timer = setInterval(() => status.tick(a.clock.now()), a.tickMs ?? 250);
  try {
    const worker = async (): Promise<void> => {
      // The first failure stops every worker: nothing is written after the run has failed.
      while (!failed) {
        const chunk = todo[next++];
        if (chunk === undefined) return;
        try {
          await fetchOne(chunk);
        } catch (err) {
          failed = true;
          throw err;
        }
        fetched++;
      }
    };
    const fetchOne = async (chunk: number): Promise<void> => {
      const { start, length } = stored.range(chunk);
      // One retry on a hash mismatch: a proxy or a torn response can corrupt one download; twice
      // means the DP serves different content than its manifest says.
      for (let attempt = 1; ; attempt++) {
        const data = await withPatience(() => a.dp.fetchRange(a.contentPath, start, length), a.clock, {
          patienceMs: a.dpPatienceMs,
          onRetry: () => status.progress.set('reconnecting', 'DP unreachable, retrying'),
        });
        if (status.progress.phase === 'reconnecting') status.progress.set('fallback');
        try {
          await store.writeChunk(chunk, data);
          return;
        } catch (err) {
          const e = err instanceof AgentError ? err : undefined;
          const isHash = e?.code === 'verification-failed' || /HASH|LENGTH|DECOMPRESS/.test(String((err as { code?: unknown }).code));
          if (!isHash || attempt >= 2) throw err;
        }
      }
    };
    const n = Math.max(1, Math.min(a.concurrency ?? 4, todo.length));
    // Wait for every worker to stop before failing, so no write lands after the store is closed.
    const results = await Promise.allSettled(Array.from({ length: n }, worker));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    clearInterval(timer);
  }
  status.tick(a.clock.now());
  return fetched;
}
