import { realClock, type Clock } from './clock';
import { TransportError } from './errors';
import { Pacer, type PacerOptions } from './pacer';

/** What `next()` returns when it has nothing to send now but more may come: the run idles until wake(). */
export const PACED_IDLE = 'idle';

export interface RunPacedOptions<T = Uint8Array> {
  /** Target payload rate in bit/s. */
  rateBitsPerSec: number;
  /** See PacerOptions.maxBurstMs. @default 8 */
  maxBurstMs?: number;
  /** See PacerOptions.maxCatchUpMs. @default 50 */
  maxCatchUpMs?: number;
  /**
   * Shortest sleep between bursts, whole ms. Each wake costs the sender a timer and its send calls,
   * and wakes every receiver for the burst it gets: at 2 ms a 475 Mbit/s session wakes ~500 times
   * a second instead of ~1000, in bursts of ~120 KB (the DP: session-pacing.ts). Keep it under
   * maxBurstMs, or credit the cap refuses is lost every sleep. @default 1
   */
  minSleepMs?: number;
  /**
   * The next item to send; `PACED_IDLE` when there is nothing to send now (a sender waiting for
   * NACKs or for data to load: the run idles until `wake()`); undefined when there is nothing
   * more (the run then ends).
   */
  next(): T | typeof PACED_IDLE | undefined;
  /** Bytes the item puts on the wire (what the pacer charges). @default the item's length (Uint8Array) */
  sizeOf?(item: T): number;
  /**
   * Sends one item and calls `done` when the socket took it (UdpEndpoint.sendCb fits). Called only
   * once the pacer allowed the item, so a sender may frame it here (sequence numbers in send order).
   */
  send(item: T, done: (err?: Error) => void): void;
  /** Sends pending before the driver waits for one to complete. @default 256 */
  maxInFlight?: number;
  /** @default realClock() */
  clock?: Clock;
}

export interface PacedResult {
  readonly datagrams: number;
  readonly bytes: number;
  /** From the first send to the last completion. */
  readonly elapsedNs: number;
  /** bytes * 8 / elapsed; NaN when fewer than two datagrams went. */
  readonly achievedBitsPerSec: number;
}

export interface PacedRun {
  /**
   * Resolves when `next()` ran dry (or `stop()`) and every send completed; rejects on a send
   * error or an exception thrown by `next`, `sizeOf` or `send`.
   */
  readonly done: Promise<PacedResult>;
  /** Applies a new rate at once, also cutting short a sleep computed for the old rate. */
  setRate(rateBitsPerSec: number): void;
  /** Resumes a run that idles (its `next()` returned PACED_IDLE); does nothing otherwise. */
  wake(): void;
  /** Ends the run after the sends in flight complete. */
  stop(): void;
  readonly rateBitsPerSec: number;
}

const byteLength = (item: unknown): number => (item as Uint8Array).length;

/**
 * The driver loop around a Pacer: sends every item the credit allows, then sleeps until the next
 * is due. Used by the DP's session runner (on the socket, or on MemoryNetwork in tests) and by the
 * transport benchmark.
 */
export function runPaced<T = Uint8Array>(opts: RunPacedOptions<T>): PacedRun {
  const clock = opts.clock ?? realClock();
  const sizeOf = opts.sizeOf ?? byteLength;
  const nowNs = (): number => clock.now() * 1e6;
  const maxInFlight = opts.maxInFlight ?? 256;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new TransportError('TRANSPORT_BAD_OPTION', `maxInFlight must be a positive integer, got ${maxInFlight}`, { option: 'maxInFlight' });
  const pacerOpts: PacerOptions = { rateBitsPerSec: opts.rateBitsPerSec };
  if (opts.maxBurstMs !== undefined) pacerOpts.maxBurstMs = opts.maxBurstMs;
  if (opts.maxCatchUpMs !== undefined) pacerOpts.maxCatchUpMs = opts.maxCatchUpMs;
  const pacer = new Pacer(pacerOpts);
  const minSleepMs = opts.minSleepMs ?? 1;
  if (!Number.isInteger(minSleepMs) || minSleepMs < 1) throw new TransportError('TRANSPORT_BAD_OPTION', `minSleepMs must be a positive integer, got ${minSleepMs}`, { option: 'minSleepMs' });
  const resumeAt = Math.floor(maxInFlight / 2);
  // The item the pacer held back, and its size: two variables, not an object per datagram (the
  // DP's send path allocates per datagram only what it must; issue 29).
  let pending: T | undefined;
  let pendingSize = 0;
  let hasPending = false;
  let inFlight = 0;
  let datagrams = 0;
  let bytes = 0;
  let startNs: number | undefined;
  let ended = false;
  let finished = false;
  let idle = false;
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
    const elapsedNs = startNs === undefined ? 0 : nowNs() - startNs;
    resolve({ datagrams, bytes, elapsedNs, achievedBitsPerSec: datagrams > 1 && elapsedNs > 0 ? (bytes * 8 * 1e9) / elapsedNs : NaN });
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
    if (!pumping && !idle && cancelSleep === undefined && inFlight === resumeAt) cancelSleep = clock.schedule(pump, 0);
  };

  const pump = (): void => {
    cancelSleep = undefined;
    if (finished) return;
    pumping = true;
    try {
      loop();
    } catch (err) {
      // A throwing source or socket ends the run with its error, never the process.
      finish(err as Error);
    } finally {
      pumping = false;
    }
    if (ended && inFlight === 0) finish();
  };

  const loop = (): void => {
    while (!ended && !finished && inFlight < maxInFlight) {
      let item: T;
      let size: number;
      if (hasPending) {
        item = pending as T;
        size = pendingSize;
        hasPending = false;
        pending = undefined;
      } else {
        const next = opts.next();
        if (next === undefined) {
          ended = true;
          break;
        }
        if (next === PACED_IDLE) {
          idle = true;
          return;
        }
        item = next;
        size = sizeOf(next);
      }
      const now = nowNs();
      if (!pacer.tryTake(size, now)) {
        pending = item;
        pendingSize = size;
        hasPending = true;
        // Node timers have about 1 ms granularity: sleep whole milliseconds, at least minSleepMs;
        // the pacer's credit, measured on the clock, makes up for the rounding.
        cancelSleep = clock.schedule(pump, Math.max(minSleepMs, Math.floor(pacer.waitNs(size, now) / 1e6)));
        return;
      }
      startNs ??= now;
      inFlight++;
      datagrams++;
      bytes += size;
      opts.send(item, onSent);
    }
  };

  pump();
  return {
    done,
    get rateBitsPerSec() {
      return pacer.rateBitsPerSec;
    },
    setRate(rateBitsPerSec: number): void {
      pacer.setRate(rateBitsPerSec, nowNs());
      if (cancelSleep && !pumping) {
        cancelSleep();
        pump();
      }
    },
    wake(): void {
      if (!idle || pumping || finished) return;
      idle = false;
      pump();
    },
    stop(): void {
      ended = true;
      idle = false;
      pending = undefined;
      hasPending = false;
      if (cancelSleep) {
        cancelSleep();
        cancelSleep = undefined;
      }
      if (inFlight === 0) finish();
    },
  };
}
