// Top functions by self time in a V8 CPU profile (node --cpu-prof), for docs/benchmarks.md: where
// the DP's and the agents' cycles go. Pure summary (profile-top.spec.ts) plus a small command:
//   node tools/build/bundle.mjs tools/bench/src/profile-top.ts /tmp/profile-top.cjs
//   node /tmp/profile-top.cjs FILE.cpuprofile [N] [LAST_SECONDS]
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface TopItem {
  /** "functionName (file:line)", "(garbage collector)", "(program)" ... */
  readonly name: string;
  readonly selfMs: number;
  /** Share of all sampled time, idle included (0-100). */
  readonly selfPct: number;
  /** Share of the time the process was not idle (0-100). */
  readonly busyPct: number;
}

/**
 * Self time per function (samples attributed to their leaf node, time from the sample deltas).
 * `lastUs`: only the samples of the profile's last `lastUs` microseconds (a DP's transfer, not its
 * start). The deltas are wall time: on a loaded box a sample also holds the time the thread waited
 * for a CPU, charged to whatever ran when it was preempted.
 */
export function topSelf(p: CpuProfile, n = 15, lastUs = Infinity): TopItem[] {
  const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const at: number[] = [];
  p.timeDeltas.reduce((t, d, i) => (at[i] = t + d), 0);
  const from = (at[at.length - 1] ?? 0) - lastUs;
  p.samples.forEach((id, i) => {
    if ((at[i] ?? 0) < from) return;
    // A sample's delta is the time until the next one; the first delta precedes any sample.
    const us = Math.max(0, p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0);
    const f = byId.get(id);
    const name = f ? (f.url ? `${f.functionName || '(anonymous)'} (${path.basename(f.url)}:${f.lineNumber + 1})` : f.functionName) : '(unknown)';
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
    if (name === '(idle)') idle += us;
  });
  const busy = total - idle;
  return [...self.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: total > 0 ? (100 * us) / total : 0, busyPct: busy > 0 ? (100 * us) / busy : 0 }));
}

if (require.main === module) {
  const [file, n, last] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-top FILE.cpuprofile [N] [LAST_SECONDS]');
    process.exit(2);
  }
  const items = topSelf(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(n ?? 15), last === undefined ? Infinity : Number(last) * 1e6);
  for (const t of items) console.log(`${t.busyPct.toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(6)} ms  ${t.name}`);
}
