// Each session's measured send rate over time, for the dashboard's chart: one sample a tick (the
// DP's once-a-second timer), kept in memory for the live sessions and the last few ended ones.

/** [seconds since the epoch, bytes/s] */
export type RateSample = readonly [number, number];

export interface RateHistoryOptions {
  /** Samples kept per session (at one a second: 15 minutes). @default 900 */
  readonly perSession?: number;
  /** Sessions kept, oldest dropped first. @default 20 */
  readonly sessions?: number;
}

export class RateHistory {
  private readonly series = new Map<number, RateSample[]>();
  private readonly perSession: number;
  private readonly maxSessions: number;

  constructor(o: RateHistoryOptions = {}) {
    this.perSession = o.perSession ?? 900;
    this.maxSessions = o.sessions ?? 20;
  }

  /** One sample for each running session (`bytesPerSec` measured over the last tick). */
  sample(nowMs: number, running: ReadonlyArray<{ readonly id: number; readonly bytesPerSec: number }>): void {
    for (const s of running) {
      let list = this.series.get(s.id);
      if (!list) {
        list = [];
        this.series.set(s.id, list);
        // Maps iterate in insertion order: the first key is the oldest session.
        while (this.series.size > this.maxSessions) this.series.delete(this.series.keys().next().value as number);
      }
      list.push([Math.round(nowMs / 1000), s.bytesPerSec]);
      if (list.length > this.perSession) list.splice(0, list.length - this.perSession);
    }
  }

  of(id: number): readonly RateSample[] {
    return this.series.get(id) ?? [];
  }
}
