// Preloaded into the DP by the fleet bench (`node --require dist/bench/loop-stall-probe.cjs`,
// bundled by the bench target): counts the DP's event-loop stalls, the load-independent part of
// an answer's tail. A 1 ms interval notes how late each tick ran; a tick more than STALL_MS late
// is a stall (a synchronous PGlite statement, a GC pause, a long handler; on a loaded box also
// the OS not running the process). The bench asks for the counts over the IPC channel it opened.
import { performance } from 'node:perf_hooks';
import { LOOP_STALLS_ASK, STALL_MS, type LoopStalls } from './dp-process';

const TICK_MS = 1;

const counts: LoopStalls = { ticks: 0, stalls: 0, stallMs: 0, worstMs: 0 };
let last = performance.now();
const tick = setInterval(() => {
  const now = performance.now();
  const late = now - last - TICK_MS;
  last = now;
  counts.ticks++;
  if (late > STALL_MS) {
    counts.stalls++;
    counts.stallMs += late;
    counts.worstMs = Math.max(counts.worstMs, late);
  }
}, TICK_MS);
tick.unref();

if (process.send) {
  process.on('message', (m: unknown) => {
    if (m === LOOP_STALLS_ASK) process.send?.({ loopStalls: counts });
  });
  // The channel must not keep a stopping DP alive (after the listener, which refs it).
  process.channel?.unref();
}
