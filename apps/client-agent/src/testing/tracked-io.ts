// The agent's disk and state-dir seams with every call counted in a Busy: a test that drives a
// VirtualClock holds time still while the real file I/O behind them runs (testing/busy.ts).
import type { AgentMemoryStore } from '../flow/agent-state';
import type { ChunkStore, ChunkStoreOpener } from '../flow/ports';
import type { Busy } from './busy';

export function trackedStores(busy: Busy, s: ChunkStoreOpener): ChunkStoreOpener {
  const lock = s.lock?.bind(s);
  return {
    precheck: busy.wrap(() => s.precheck()),
    open: busy.wrap(async (m) => trackedStore(busy, await s.open(m))),
    ...(lock ? { lock: busy.wrap(() => lock()) } : {}),
  };
}

function trackedStore(busy: Busy, s: ChunkStore): ChunkStore {
  return {
    manifest: s.manifest,
    totalChunks: s.totalChunks,
    chunksDone: () => s.chunksDone(),
    bytesDone: () => s.bytesDone(),
    isDone: (c) => s.isDone(c),
    writeChunk: busy.wrap((c: number, d: Uint8Array) => s.writeChunk(c, d)),
    finish: busy.wrap((a?: (n: number) => void, b?: (n: number, t: number) => void) => s.finish(a, b)),
    close: busy.wrap(() => s.close()),
  };
}

export function trackedMemory(busy: Busy, m: AgentMemoryStore): AgentMemoryStore {
  return { load: busy.wrap(() => m.load()), save: busy.wrap((x) => m.save(x)), lock: busy.wrap(() => m.lock()) };
}
