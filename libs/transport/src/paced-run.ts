import { TransportError } from './errors';
import { Pacer } from './pacer';

/** The time the pacing driver runs on; `virtualPacedClock` style fakes make it testable. */
export interface PacedClock {
  nowNs(): number;
  /** Calls `wake` after about `ns` (0: in the next turn of the event loop); returns a canceller. */
  sleep(ns: number, wake: () => void): () => void;
}

/** hrtime plus Node timers. Timers have ~1 ms granularity; the pacer's credit makes up for it. */
export function realPacedClock(): PacedClock {
  const origin = process.hrtime.bigint();
  return {
    nowNs: () => Number(process.hrtime.bigint() - origin),
    sleep: (ns, wake) => {
      if (ns <= 0) {
        const i = setImmediate(wake);
        return () => clearImmediate(i);
      }
      const t = setTimeout(wake, Math.max(1, Math.floor(ns / 1e6)));
      return () => clearTimeout(t);
    },
  };
}

export interface RunPacedOptions {
  /** Target payload rate in bit/s. */
  rateBps: number;
  /** See PacerOptions.maxBurstMs. @default 8 */
  maxBurstMs?: number;
  /** The next datagram to send, or undefined when there is nothing more (the run then ends). */
  next(): Uint8Array | undefined;
  /** Sends one datagram and calls `done` when the socket took it (UdpEndpoint.sendCb fits). */
  send(bytes: Uint8Array, done: (err?: Error) => void): void;
  /** Sends pending before the driver waits for one to complete. @default 256 */
  maxInFlight?: number;
  /** @default realPacedClock() */
  clock?: PacedClock;
}

export interface PacedResult {
  readonly datagrams: number;
  readonly bytes: number;
  /** From the first send to the last completion. */
  readonly elapsedNs: number;
  /** bytes * 8 / elapsed; NaN when fewer than two datagrams went. */
  readonly achievedBps: number;
}

export interface PacedRun {
  /** Resolves when `next()` ran dry (or `stop()`) and every send completed; rejects on a send error. */
  readonly done: Promise<PacedResult>;
  /** Applies a new rate at once, also cutting short a sleep computed for the old rate. */
  setRate(rateBps: number): void;
  /** Ends the run after the sends in flight complete. */
  stop(): void;
  readonly rateBps: number;
}

/**
 * The driver loop around a Pacer: sends every datagram the credit allows, then sleeps until the
 * next is due. Used by the DP's data sender.
 */
export function runPaced(opts: RunPacedOptions): PacedRun {
  const clock = opts.clock ?? realPacedClock();
  const maxInFlight = opts.maxInFlight ?? 256;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new TransportError('TRANSPORT_BAD_OPTION', `maxInFlight must be a positive integer, got ${maxInFlight}`, { option: 'maxInFlight' });
  const pacer = new Pacer({ rateBps: opts.rateBps, ...(opts.maxBurstMs === undefined ? {} : { maxBurstMs: opts.maxBurstMs }) });
  const resumeAt = Math.floor(maxInFlight / 2);
  let pending: Uint8Array | undefined;
  let inFlight = 0;
  let datagrams = 0;
  let bytes = 0;
  let startNs: number | undefined;
  let ended = false;
  let finished = false;
  // send() may complete synchronously (in-memory transports): never re-enter the loop from it.
  let pumping = false;
  let cancelSleep: (() => void) | undefined;
  let resolve!: (r: PacedResult) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<PacedResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });

  const finish = (err?: Error): void => {
    if (finished) return;
    finished = true;
    cancelSleep?.();
    if (err) {
      reject(err);
      return;
    }
    const elapsedNs = startNs === undefined ? 0 : clock.nowNs() - startNs;
    resolve({ datagrams, bytes, elapsedNs, achievedBps: datagrams > 1 && elapsedNs > 0 ? (bytes * 8 * 1e9) / elapsedNs : NaN });
  };

  const onSent = (err?: Error): void => {
    inFlight--;
    if (err) {
      finish(err);
      return;
    }
    if (ended) {
      if (inFlight === 0) finish();
      return;
    }
    // The loop stopped for lack of slots (it is not asleep): resume once half the window is free.
    // Resuming in a later turn, not inside this completion, lets a batch of completions land first
    // and the loop send a batch; one send per completion costs about a third of the throughput.
    if (!pumping && cancelSleep === undefined && inFlight === resumeAt) cancelSleep = clock.sleep(0, pump);
  };

  const pump = (): void => {
    cancelSleep = undefined;
    if (finished) return;
    pumping = true;
    try {
      loop();
    } finally {
      pumping = false;
    }
    if (ended && inFlight === 0) finish();
  };

  const loop = (): void => {
    while (!ended && !finished && inFlight < maxInFlight) {
      const d = pending ?? opts.next();
      pending = undefined;
      if (d === undefined) {
        ended = true;
        break;
      }
      const now = clock.nowNs();
      if (!pacer.tryTake(d.length, now)) {
        pending = d;
        cancelSleep = clock.sleep(pacer.waitNs(d.length, now), pump);
        return;
      }
      startNs ??= now;
      inFlight++;
      datagrams++;
      bytes += d.length;
      opts.send(d, onSent);
    }
  };

  pump();
  return {
    done,
    get rateBps() {
      return pacer.rateBps;
    },
    setRate(rateBps: number): void {
      pacer.setRate(rateBps, clock.nowNs());
      if (cancelSleep) {
        cancelSleep();
        pump();
      }
    },
    stop(): void {
      ended = true;
      pending = undefined;
      if (cancelSleep) {
        cancelSleep();
        cancelSleep = undefined;
      }
      if (inFlight === 0) finish();
    },
  };
}
