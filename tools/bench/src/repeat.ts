// Repeated runs of one tool in one case: single runs on a shared 2-core box vary by 10-15%, so a
// ratio near a goal needs several runs. The report keeps the median run and every run's time.
import type { TransferResult } from './peers';

export interface RepeatedResult {
  /** The median run by wall time (the lower middle one for an even count). */
  readonly median: TransferResult;
  /** Wall seconds of every run that finished, in the order they ran. */
  readonly walls: readonly number[];
  /** Runs that threw (a peer that hung or failed) and are not in `walls`. */
  readonly failed: number;
  /** True only when every finished run's copies were verified. */
  readonly allVerified: boolean;
}

/** Sums up the runs of one tool; undefined when none finished. */
export function summarizeRuns(runs: readonly (TransferResult | undefined)[]): RepeatedResult | undefined {
  const done = runs.filter((r): r is TransferResult => r !== undefined);
  if (done.length === 0) return undefined;
  const sorted = [...done].sort((a, b) => a.wallSeconds - b.wallSeconds);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)] as TransferResult,
    walls: done.map((r) => r.wallSeconds),
    failed: runs.length - done.length,
    allVerified: done.every((r) => r.verified),
  };
}
