import { TransportError } from './errors';

export interface PacerOptions {
  /** Target rate in bit/s of UDP payload. */
  rateBitsPerSec: number;
  /**
   * Most credit that may pile up, as time at the current rate. Caps the burst after a stall (a GC
   * pause or a slow timer) while leaving room for millisecond timer granularity and for the
   * scheduling stalls of a busy machine (measured: 4 ms lost 2% of 500 Mbit/s on a loaded 2-core
   * box). @default 8
   */
  maxBurstMs?: number;
  /** Floor of that cap in bytes, so at low rates one full datagram can always go. @default 65536 */
  minBurstBytes?: number;
  /**
   * Credit lost to the burst cap during a stall is kept (up to this much time at the current rate)
   * and paid back gradually, so a busy machine still holds the average rate. 0 disables. @default 50
   */
  maxCatchUpMs?: number;
  /** How fast that lost credit is paid back, as a fraction of the rate (0.1: run at most 10% over). @default 0.1 */
  catchUpFraction?: number;
}

/**
 * Sans-I/O token bucket pacing in bytes on a nanosecond clock the caller passes in. Timers on this
 * machine fire with about 1 ms granularity, so rather than one timer per datagram (90,000/s at
 * 1 Gbit/s) the driver wakes, asks how much the elapsed time allows, sends that burst, and sleeps
 * until the next datagram is due. Credit is measured from hrtime, so late timers cost burst size,
 * never rate. A rate change settles the credit earned at the old rate first, then applies at once.
 */
export class Pacer {
  private rate: number;
  private readonly maxBurstMs: number;
  private readonly minBurstBytes: number;
  private readonly maxCatchUpMs: number;
  private readonly catchUpFraction: number;
  private tokens = 0;
  /** Credit the burst cap refused during a stall, paid back at catchUpFraction of the rate. */
  private reserve = 0;
  private lastNs: number | undefined;

  constructor(opts: PacerOptions) {
    this.rate = checkRate(opts.rateBitsPerSec);
    this.maxBurstMs = opts.maxBurstMs ?? 8;
    this.minBurstBytes = opts.minBurstBytes ?? 65_536;
    this.maxCatchUpMs = opts.maxCatchUpMs ?? 50;
    this.catchUpFraction = opts.catchUpFraction ?? 0.1;
    if (!(this.maxCatchUpMs >= 0)) throw new TransportError('TRANSPORT_BAD_OPTION', `maxCatchUpMs must be >= 0, got ${this.maxCatchUpMs}`, { option: 'maxCatchUpMs' });
    if (!(this.catchUpFraction >= 0 && this.catchUpFraction <= 1)) throw new TransportError('TRANSPORT_BAD_OPTION', `catchUpFraction must be in [0, 1], got ${this.catchUpFraction}`, { option: 'catchUpFraction' });
    if (!(this.maxBurstMs > 0)) throw new TransportError('TRANSPORT_BAD_OPTION', `maxBurstMs must be > 0, got ${this.maxBurstMs}`, { option: 'maxBurstMs' });
    if (!(this.minBurstBytes > 0)) throw new TransportError('TRANSPORT_BAD_OPTION', `minBurstBytes must be > 0, got ${this.minBurstBytes}`, { option: 'minBurstBytes' });
  }

  get rateBitsPerSec(): number {
    return this.rate;
  }

  /** The credit cap in bytes at the current rate. */
  get burstBytes(): number {
    return Math.max(this.minBurstBytes, (this.rate / 8) * (this.maxBurstMs / 1000));
  }

  /**
   * Changes the rate from `nowNs` on: credit earned so far was earned at the old rate. Credit owed
   * from stalls at the old rate is dropped: the new rate holds from now, with no catch-up burst.
   */
  setRate(rateBitsPerSec: number, nowNs: number): void {
    const r = checkRate(rateBitsPerSec);
    this.refill(nowNs);
    this.rate = r;
    this.tokens = Math.min(this.tokens, this.burstBytes);
    this.reserve = 0;
  }

  /** Takes credit for a datagram of `bytes` if there is enough now; false leaves the credit alone. */
  tryTake(bytes: number, nowNs: number): boolean {
    this.refill(nowNs);
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }

  /** How many datagrams of `bytes` may go now (without taking them). */
  allowance(bytes: number, nowNs: number): number {
    this.refill(nowNs);
    return Math.max(0, Math.floor(this.tokens / bytes));
  }

  /** Nanoseconds from `nowNs` until a datagram of `bytes` may go (0: now). */
  waitNs(bytes: number, nowNs: number): number {
    this.refill(nowNs);
    const missing = bytes - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 8 * 1e9) / this.rate);
  }

  private refill(nowNs: number): void {
    if (this.lastNs === undefined) {
      // Start with one datagram's worth of credit at most: no burst at start-up.
      this.lastNs = nowNs;
      this.tokens = Math.min(this.burstBytes, 1500);
      return;
    }
    const dt = nowNs - this.lastNs;
    if (dt <= 0) return;
    this.lastNs = nowNs;
    const cap = this.burstBytes;
    const earned = (dt * this.rate) / 8e9;
    const room = cap - this.tokens;
    if (earned <= room) {
      this.tokens += earned;
      // Pay back what an earlier stall cost, a little faster than the rate, never beyond the cap.
      if (this.reserve > 0) {
        const pay = Math.min(this.reserve, (dt * this.rate * this.catchUpFraction) / 8e9, cap - this.tokens);
        this.tokens += pay;
        this.reserve -= pay;
      }
    } else {
      this.tokens = cap;
      const reserveCap = (this.rate / 8) * (this.maxCatchUpMs / 1000);
      this.reserve = Math.min(reserveCap, this.reserve + earned - room);
    }
  }
}

function checkRate(r: number): number {
  if (typeof r !== 'number' || !(r > 0) || !Number.isFinite(r)) {
    throw new TransportError('TRANSPORT_BAD_OPTION', `rateBitsPerSec must be a positive finite number, got ${String(r)}`, { option: 'rateBitsPerSec' });
  }
  return r;
}
