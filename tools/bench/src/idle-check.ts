// Is the box quiet enough for a benchmark figure to mean something? This box's 2 cores are often
// shared with other work: a row taken while they are busy is marked (or, with --require-idle,
// refused). The rule is pure (judgeIdle); the probe reads /proc and spins briefly (probeBox).
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export interface BoxSample {
  /** 1-minute load average. */
  readonly load1: number;
  readonly cores: number;
  /** Share of CPU time the hypervisor gave to others during the probe (/proc/stat steal), 0-1. */
  readonly stealShare: number;
  /** CPU time a busy loop of this process got over its wall time during the probe, 0-1. */
  readonly spinShare: number;
  /**
   * Share of all cores' time that anything but this process used during the probe (/proc/stat
   * busy jiffies less this process's own CPU), 0-1. What the box is doing now, where the load
   * average still carries the last minute: the bench's own previous run raises load1 above any
   * limit for a minute after it ended, so load1 alone called every run after the first "busy".
   */
  readonly othersShare?: number;
  /**
   * How fast one of the box's cores is now: SHA-256 MB per CPU second over a fixed buffer (best of
   * 3). The checks above see other work, not slower cores: on 2026-12-06 every tool cost 1.4-1.6x
   * the CPU per GiB it had cost 90 minutes earlier, with no other process and no steal. Rows from
   * runs with different core speeds do not compare.
   */
  readonly coreMBps?: number;
}

export interface IdleRule {
  /** Highest 1-minute load per core still called idle, when othersShare is not known. @default 0.25 */
  readonly maxLoadPerCore: number;
  /** Highest share of the box's CPU others may use during the probe. @default 0.1 */
  readonly maxOthersShare: number;
  /** Highest steal share. @default 0.05 */
  readonly maxSteal: number;
  /** Lowest CPU share a spinning thread must get. @default 0.9 */
  readonly minSpinShare: number;
}

export const DEFAULT_IDLE_RULE: IdleRule = { maxLoadPerCore: 0.25, maxOthersShare: 0.1, maxSteal: 0.05, minSpinShare: 0.9 };

export interface IdleVerdict {
  readonly idle: boolean;
  /** Why not idle (empty when idle), e.g. "load 3.10 on 2 cores". */
  readonly reasons: readonly string[];
  readonly sample: BoxSample;
}

export function judgeIdle(sample: BoxSample, rule: IdleRule = DEFAULT_IDLE_RULE): IdleVerdict {
  const reasons: string[] = [];
  const others = sample.othersShare;
  if (others === undefined) {
    if (!(sample.load1 <= rule.maxLoadPerCore * sample.cores)) reasons.push(`load ${sample.load1.toFixed(2)} on ${sample.cores} cores`);
  } else if (!(others <= rule.maxOthersShare)) {
    reasons.push(`others used ${(others * 100).toFixed(0)}% of ${sample.cores} cores (load ${sample.load1.toFixed(2)})`);
  }
  if (!(sample.stealShare <= rule.maxSteal)) reasons.push(`steal ${(sample.stealShare * 100).toFixed(0)}%`);
  if (!(sample.spinShare >= rule.minSpinShare)) reasons.push(`a spinning thread got ${(sample.spinShare * 100).toFixed(0)}% of a core`);
  return { idle: reasons.length === 0, reasons, sample };
}

/** The short form a table cell holds: "idle", or "busy (load 3.10 on 2 cores; ...)". */
export function verdictCell(v: IdleVerdict | undefined): string {
  if (!v) return '-';
  return v.idle ? 'idle' : `busy (${v.reasons.join('; ')})`;
}

/** Parses /proc/stat's first line: total, idle (idle + iowait) and steal jiffies. */
export function parseCpuLine(stat: string): { total: number; idle: number; steal: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  const f = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = f.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0 };
}

/** Samples the box: load average, then spins for `spinMs` while reading steal time around it. */
export function probeBox(spinMs = 300): BoxSample {
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const before = parseCpuLine(readFileSync('/proc/stat', 'utf8'));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let spins = 0;
  while (Number(process.hrtime.bigint() - t0) / 1e6 < spinMs) spins++;
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const used = process.cpuUsage(cpu0);
  const after = parseCpuLine(readFileSync('/proc/stat', 'utf8'));
  const dTotal = after.total - before.total;
  const ownUs = used.user + used.system;
  return {
    load1,
    cores: cpus().length,
    stealShare: dTotal > 0 ? (after.steal - before.steal) / dTotal : 0,
    spinShare: spins > 0 && wallUs > 0 ? Math.min(1, ownUs / wallUs) : 0,
    othersShare: othersShare(before, after, ownUs),
    coreMBps: probeCoreSpeed(),
  };
}

const SPEED_BUFFER = Buffer.alloc(4 << 20, 0x5a);

/** SHA-256 MB (1e6 bytes) per CPU second of this thread over a fixed 4 MiB buffer, best of `rounds`. */
export function probeCoreSpeed(rounds = 3): number {
  let best = 0;
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    createHash('sha256').update(SPEED_BUFFER).digest();
    const c = process.cpuUsage(c0);
    const seconds = (c.user + c.system) / 1e6;
    if (seconds > 0) best = Math.max(best, SPEED_BUFFER.length / 1e6 / seconds);
  }
  return Math.round(best);
}

/** Jiffies per second of /proc/stat (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/**
 * The share of the box's CPU time between two /proc/stat samples that was busy (not idle, iowait or
 * steal) beyond `ownUs` microseconds of this process's own CPU. Undefined when no time passed.
 */
export function othersShare(before: { total: number; idle: number; steal: number }, after: { total: number; idle: number; steal: number }, ownUs: number): number | undefined {
  const dTotal = after.total - before.total;
  if (!(dTotal > 0)) return undefined;
  const busy = dTotal - (after.idle - before.idle) - (after.steal - before.steal);
  return Math.min(1, Math.max(0, (busy - (ownUs / 1e6) * USER_HZ) / dTotal));
}

/**
 * One verdict for a row from the probes before each of its runs: idle only when every run started
 * on an idle box; otherwise the first busy probe's reasons (and the highest load seen).
 */
export function combineVerdicts(verdicts: readonly IdleVerdict[]): IdleVerdict | undefined {
  const first = verdicts[0];
  if (!first) return undefined;
  const busy = verdicts.find((v) => !v.idle);
  const worstLoad = verdicts.reduce((a, v) => (v.sample.load1 > a.sample.load1 ? v : a), first);
  // The slowest core any run started on: a row is only as comparable as its slowest run.
  const speeds = verdicts.flatMap((v) => (v.sample.coreMBps !== undefined ? [v.sample.coreMBps] : []));
  const sample = speeds.length > 0 ? { ...worstLoad.sample, coreMBps: Math.min(...speeds) } : worstLoad.sample;
  if (!busy) return { ...worstLoad, sample };
  const runs = verdicts.filter((v) => !v.idle).length;
  return { idle: false, reasons: [...busy.reasons, `${runs} of ${verdicts.length} runs`], sample };
}
