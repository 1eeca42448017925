/**
 * The one time source of the libraries and the DP: monotonic milliseconds and one-shot timers.
 * The real one is performance.now() and Node timers; `VirtualClock` moves only when a test says
 * so, which is how the in-memory network, the pacing driver and the DP's session runner are
 * tested without sleeping on real time. (Engines in libs/repair take `nowMs` as an argument
 * instead: they are sans-I/O and never read a clock.)
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractions allowed). */
  now(): number;
  /** Runs `fn` after `delayMs` (0: as soon as the current I/O turn ends); returns a canceller. */
  schedule(fn: () => void, delayMs: number): () => void;
}

/** performance.now() plus Node timers (about 1 ms granularity: the pacer's credit makes up for it). */
export function realClock(): Clock {
  return {
    now: () => performance.now(),
    schedule: (fn, delayMs) => {
      if (delayMs <= 0) {
        const i = setImmediate(fn);
        return () => clearImmediate(i);
      }
      const t = setTimeout(fn, delayMs);
      return () => clearTimeout(t);
    },
  };
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock that only moves when told; timers due at the same time run in the order they were set. */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  schedule(fn: () => void, delayMs: number): () => void {
    const timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
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
