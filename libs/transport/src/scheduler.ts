/**
 * Time for the in-memory network and the pacing driver. The real one uses the monotonic clock and
 * Node timers; `VirtualScheduler` lets tests move time by hand, so no test sleeps on real time.
 */
export interface Scheduler {
  /** Monotonic time in milliseconds (fractions allowed). */
  now(): number;
  /** Runs `fn` after `delayMs` (0: as soon as the current I/O turn ends). */
  schedule(fn: () => void, delayMs: number): void;
}

export function realScheduler(): Scheduler {
  return {
    now: () => performance.now(),
    schedule: (fn, delayMs) => {
      if (delayMs <= 0) setImmediate(fn);
      else setTimeout(fn, delayMs);
    },
  };
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock that only moves when told; timers due at the same time run in the order they were set. */
export class VirtualScheduler implements Scheduler {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  schedule(fn: () => void, delayMs: number): void {
    this.timers.push({ at: this.t + Math.max(0, delayMs), seq: this.seq++, fn });
  }

  /** Moves time forward by `ms`, running every timer that falls due (including ones they set). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  get pending(): number {
    return this.timers.length;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }
}
