// Preloaded into the DP by the fleet bench (`node --require dist/bench/loop-stall-probe.cjs`,
// bundled by the bench target): counts the DP's event-loop stalls, what makes an answer's tail
// even one request at a time. A 1 ms interval notes how late each tick ran; a tick more than
// STALL_MS late is a stall (a synchronous PGlite statement, a GC pause, a long handler; on a
// loaded box also the OS not running the process). A stall in which the process also used more
// than STALL_MS of CPU (getrusage, all threads; a µs-cheap call per tick) is a busy stall: the DP's
// own work, which the box's load does not make (nearly as) often. The bench asks for the counts
// over the IPC channel it opened.
import { performance } from 'node:perf_hooks';
import { LOOP_STALLS_ASK, STALL_MS, type LoopStalls } from './dp-process';

const TICK_MS = 1;

const counts: LoopStalls = { ticks: 0, stalls: 0, stallMs: 0, worstMs: 0, busyStalls: 0, busyMs: 0 };
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let last = performance.now();
let lastCpu = cpuMs();
const tick = setInterval(() => {
  const now = performance.now();
  const cpu = cpuMs();
  const late = now - last - TICK_MS;
  const used = cpu - lastCpu;
  last = now;
  lastCpu = cpu;
  counts.ticks++;
  if (late > STALL_MS) {
    counts.stalls++;
    counts.stallMs += late;
    counts.worstMs = Math.max(counts.worstMs, late);
    if (used > STALL_MS) {
      counts.busyStalls++;
      counts.busyMs += used;
    }
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
