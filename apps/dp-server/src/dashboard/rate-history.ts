// Each session's measured send rate over time, for the dashboard's chart: one sample a tick (the
// DP's once-a-second timer), kept for the live sessions and the last few ended ones: in memory for
// the page, and in the SQL store so an ended session still has its chart after a restart
// (dashboard/persisted-state.ts).

/** [seconds since the epoch, bytes/s] */
export type RateSample = readonly [number, number];

export interface RateHistoryOptions {
  /** Samples kept per session (at one a second: 15 minutes). @default 900 */
  readonly perSession?: number;
  /** Sessions kept, oldest dropped first. @default 20 */
  readonly sessions?: number;
  /** Told of each tick's samples (the store's writer). */
  readonly onSample?: (atSec: number, samples: ReadonlyArray<{ readonly id: number; readonly bytesPerSec: number }>, newSession: boolean) => void;
  /** What the store kept before this start: oldest session first, each oldest sample first. */
  readonly restored?: ReadonlyMap<number, readonly RateSample[]>;
}

export class RateHistory {
  private readonly series = new Map<number, RateSample[]>();
  private readonly perSession: number;
  private readonly maxSessions: number;
  private readonly onSample: NonNullable<RateHistoryOptions['onSample']>;

  constructor(o: RateHistoryOptions = {}) {
    this.perSession = o.perSession ?? 900;
    this.maxSessions = o.sessions ?? 20;
    this.onSample = o.onSample ?? (() => undefined);
    const restored = [...(o.restored ?? new Map<number, readonly RateSample[]>())].slice(-this.maxSessions);
    for (const [id, list] of restored) this.series.set(id, list.slice(-this.perSession));
  }

  /** One sample for each running session (`bytesPerSec` measured over the last tick). */
  sample(nowMs: number, running: ReadonlyArray<{ readonly id: number; readonly bytesPerSec: number }>): void {
    const atSec = Math.round(nowMs / 1000);
    let newSession = false;
    for (const s of running) {
      let list = this.series.get(s.id);
      if (!list) {
        newSession = true;
        list = [];
        this.series.set(s.id, list);
        // Maps iterate in insertion order: the first key is the oldest session.
        while (this.series.size > this.maxSessions) this.series.delete(this.series.keys().next().value as number);
      }
      list.push([atSec, s.bytesPerSec]);
      if (list.length > this.perSession) list.splice(0, list.length - this.perSession);
    }
    if (running.length > 0) this.onSample(atSec, running, newSession);
  }

  of(id: number): readonly RateSample[] {
    return this.series.get(id) ?? [];
  }
}
