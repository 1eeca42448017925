// Two rate laws share the slow-receiver policy below: `bottleneck` (the default since issue 29.5,
// bottleneck-law.ts: delivery rates and queueing delays, docs/protocol.md "Rate control") and the
// older `aimd`, described here. Under `bottleneck` a report whose queueing delay reaches
// `queueTargetUs` marks its receiver congested too, and the law, not x0.75 / +5%, sets the rate.
//
// Adaptive pacing (loss-driven AIMD fed by receiver status reports, TFMCC-like in spirit but
// without the TCP equation) and the slow-receiver policy. Why not the TCP equation: on a deployment
// LAN random loss is rare and must not throttle a 1 Gbit/s stream to TCP-over-loss speeds; what
// matters is whether some receiver cannot absorb the rate, which shows as heavy loss there.
//
// Every rate round (TIMERS.rate) the controller looks at the status reports that arrived since the
// last round. A report with loss above `congestionLossPpm`, or with a run of at least
// `congestionGap` consecutive packets missed, marks its receiver congested: a receiver that cannot
// keep up (its CPU, its socket buffer) loses whole runs when its buffer overflows, at a loss rate
// far below the threshold, while random loss almost never loses 16 in a row (1% loss: 1e-32). Any
// congested receiver that the policy still serves cuts the rate by x0.75 (as WDS's master client
// does on NACK); a round without congestion adds 5% of the cap. The rate stays in [min, max].
// Under `tiers` and `disconnect`, a congested receiver that is also slow by the policy's measure
// (below tierRatio x a reference rate, or below kbps) collects a strike instead of cutting the
// rate; after `slowRounds` strikes in a row the engine demotes or disconnects it.
//
// Every cut is attributed to the receivers whose reports caused it. Under `tiers` the reference
// must not follow the rate down, or a slow receiver whose reports (or CPU-starved neighbours'
// reports) cut the rate first never looks slow again and the whole session runs at its pace
// (issue 21.6: a LAN run on a box at load ~12 held three agents at the slow one's ~16 Mbit/s with
// no tier change). So the reference is the highest of: the median goodput, what the sender sent
// over the last second, the rate the session had before the cuts attributed to this receiver (or
// the reference it was found slow against, kept while the others' cuts go on during its strikes),
// and, while the congested receivers are a minority of those reporting (fewer than the clean ones),
// the configured maximum rate. While the last reports of all (two or more) receivers that
// reported were congested (a box too busy for any of them), slow is only below tierRatio x the
// others' median goodput; the others cut the rate as under same-speed and their strikes stand still.

import { BottleneckLaw, KEEPS_UP } from './bottleneck-law';

/** What to do with receivers that cannot keep up. */
export type SlowPolicy =
  | { readonly kind: 'same-speed' }
  | { readonly kind: 'tiers' }
  /** Disconnect a receiver whose goodput stays below `kbps` kilobytes per second (WDS's "KBps"). */
  | { readonly kind: 'disconnect'; readonly kbps: number };

/** Under same-speed, a congested receiver below this fraction of the median goodput is moved to unicast. */
export const SAME_SPEED_FLOOR_RATIO = 0.1;

/** Missed packets in a row that mark congestion by default (SenderOptions.congestionGap). */
export const DEFAULT_CONGESTION_GAP = 16;

/**
 * Queueing delay (us) that marks congestion under the `bottleneck` law by default: with margin
 * above what a CPU-starved receiver's scheduling may add to its 50 ms window minimum (its socket
 * buffer holds such delays without loss), well under a shaper's queue (tbf's latency is 50 ms in
 * the test LAN) and a switch port's buffer (~2 MB: 16 ms at 1 Gbit/s).
 */
export const DEFAULT_QUEUE_TARGET_US = 10_000;

/** Loss up to this (parts per million) is random loss, not a receiver that cannot absorb the stream. */
const QUEUE_ONLY_LOSS_PPM = 50_000;
/** A queued receiver whose best window delivers less than this share of the sent rate falls behind. */
const QUEUE_SLOW_RATIO = 0.8;

/** Which law sets the rate (the slow-receiver policy is the same under both). */
export type RateLaw = 'bottleneck' | 'aimd';

export interface ReceiverReport {
  readonly receiverId: number;
  readonly rateBytesPerSec: number;
  readonly lossPpm: number;
  /** Longest run of consecutive packets missed in the report's interval. */
  readonly maxGap?: number;
  /** Best 50 ms window's payload bytes/s (absent from older agents). */
  readonly deliveryRateBps?: number;
  /** Queueing delay above the receiver's base one-way delay, us (absent from older agents). */
  readonly queueDelayUs?: number;
}

export type SlowDecision = { readonly receiverId: number; readonly kind: 'demote' | 'fallback'; readonly detail: string };

export interface RateControlOptions {
  readonly maxRateBytesPerSec: number;
  readonly minRateBytesPerSec: number;
  readonly initialRateBytesPerSec: number;
  readonly policy: SlowPolicy;
  readonly congestionLossPpm: number;
  /** A run of this many consecutive packets missed marks congestion whatever the loss rate. */
  readonly congestionGap: number;
  readonly slowRounds: number;
  readonly tierRatio: number;
  /** @default 'aimd' here; SenderOptions defaults to 'bottleneck' */
  readonly law?: RateLaw;
  /** Queueing delay that marks congestion under `bottleneck`, us. @default DEFAULT_QUEUE_TARGET_US */
  readonly queueTargetUs?: number;
  /** Payload bytes per data packet (the `bottleneck` law converts delivery rates to datagram rates). @default 1400 */
  readonly symbolSize?: number;
}

export class RateControl {
  rateBytesPerSec: number;
  private readonly strikes = new Map<number, number>();
  /** Whether each receiver's last report (with data in it) was congested. */
  private readonly congestedNow = new Map<number, boolean>();
  /**
   * The rate before the first cut attributed to a receiver, or the reference it was last found slow
   * against if higher; dropped once the rate is back up to it.
   */
  private readonly rateBeforeCuts = new Map<number, number>();
  /** The receivers whose reports caused the last round's cut (empty when it did not cut). */
  lastCutBy: readonly number[] = [];
  /** Last goodput of every receiver still in the session (done ones keep their last figure). */
  private readonly goodput = new Map<number, number>();
  private reports: ReceiverReport[] = [];
  /** Payload bytes handed out since the last round, and the last rounds' (bytes, ms) over ~1 s. */
  private sentBytes = 0;
  private lastRoundMs: number | undefined;
  private readonly sentWindow: { bytes: number; ms: number }[] = [];

  /** Under `bottleneck` only. */
  readonly law: BottleneckLaw | undefined;
  private readonly queueTargetUs: number;

  constructor(private readonly o: RateControlOptions) {
    this.rateBytesPerSec = o.initialRateBytesPerSec;
    this.queueTargetUs = o.queueTargetUs ?? DEFAULT_QUEUE_TARGET_US;
    this.law = o.law === 'bottleneck' ? new BottleneckLaw({ ...o, symbolSize: o.symbolSize ?? 1400 }) : undefined;
  }

  /**
   * A receiver's status. Returns true when it shows congestion the `bottleneck` law should act on
   * now (the sender then runs a rate round at once instead of at its next period).
   */
  report(r: ReceiverReport): boolean {
    this.reports.push(r);
    if (r.rateBytesPerSec > 0) this.goodput.set(r.receiverId, r.rateBytesPerSec);
    return this.law !== undefined && r.rateBytesPerSec > 0 && this.isCongested(r);
  }

  private isCongested(r: ReceiverReport): boolean {
    if (r.lossPpm > this.o.congestionLossPpm || (r.maxGap ?? 0) >= this.o.congestionGap) return true;
    return this.law !== undefined && (r.queueDelayUs ?? 0) >= this.queueTargetUs;
  }

  /** The sender handed out a symbol of `payloadBytes` (new data or repair). */
  sent(payloadBytes: number): void {
    this.sentBytes += payloadBytes;
  }

  /**
   * The highest per-round rate (payload bytes/s) at which the sender handed out symbols over about
   * the last second (a status report's interval): what a receiver that keeps up gets, less its
   * loss. Per round and the peak, so that the idle start of a session or a short stall (an image
   * read) does not make a slow receiver look as fast as the stream.
   */
  private sentRate(nowMs: number): number {
    const ms = this.lastRoundMs === undefined ? 0 : nowMs - this.lastRoundMs;
    this.lastRoundMs = nowMs;
    this.sentWindow.push({ bytes: this.sentBytes, ms });
    this.sentBytes = 0;
    let total = this.sentWindow.reduce((n, x) => n + x.ms, 0);
    while (this.sentWindow.length > 1 && total - (this.sentWindow[0] as { ms: number }).ms >= 1000) total -= (this.sentWindow.shift() as { ms: number }).ms;
    let peak = 0;
    for (const x of this.sentWindow) if (x.ms > 0) peak = Math.max(peak, (x.bytes * 1000) / x.ms);
    return peak;
  }

  forget(receiverId: number): void {
    this.law?.reprobe();
    this.strikes.delete(receiverId);
    this.goodput.delete(receiverId);
    this.congestedNow.delete(receiverId);
    this.rateBeforeCuts.delete(receiverId);
  }

  /**
   * One rate round. `receivers`: how many receivers the session has (a receiver alone in it is
   * never moved out). Returns the slow-policy decisions; `rateBytesPerSec` holds the new rate.
   */
  round(nowMs: number, receivers = Infinity): SlowDecision[] {
    const sentRate = this.sentRate(nowMs);
    const reports = this.reports;
    this.reports = [];
    // Per receiver over the round: worst loss, mean goodput. Intervals in which it got nothing
    // (the sender was idle) are no evidence either way and neither add nor clear a strike.
    const latest = new Map<number, ReceiverReport>();
    const counts = new Map<number, number>();
    for (const r of reports) {
      if (r.rateBytesPerSec === 0) continue;
      const prev = latest.get(r.receiverId);
      const n = (counts.get(r.receiverId) ?? 0) + 1;
      counts.set(r.receiverId, n);
      latest.set(r.receiverId, prev
        ? {
            receiverId: r.receiverId,
            lossPpm: Math.max(prev.lossPpm, r.lossPpm),
            maxGap: Math.max(prev.maxGap ?? 0, r.maxGap ?? 0),
            rateBytesPerSec: prev.rateBytesPerSec + (r.rateBytesPerSec - prev.rateBytesPerSec) / n,
            deliveryRateBps: Math.max(prev.deliveryRateBps ?? 0, r.deliveryRateBps ?? 0),
            // The latest queue counts: one the last cut has drained is no reason to cut again.
            queueDelayUs: r.queueDelayUs ?? 0,
          }
        : r);
    }
    if (latest.size === 0) {
      // No evidence this round. AIMD keeps the rate; the bottleneck law probes on (receivers
      // report a queue at once, so silence means none built up).
      if (this.law) this.rateBytesPerSec = this.law.next({ nowMs, rateBytesPerSec: this.rateBytesPerSec, sentRate, queued: [] });
      return [];
    }
    const isCongested = (r: ReceiverReport): boolean => this.isCongested(r);
    // For the policy's view (minority, a box too busy for anyone) a receiver with a queue that
    // still takes the stream (fallsBehind) is clean: on a CPU-starved box every agent shows a
    // socket queue, and counting those hid the one behind a slow port (the LAN tiers test moved it
    // 27 s after it joined at load 28-33, where 8 s is the bound).
    for (const r of latest.values()) this.congestedNow.set(r.receiverId, isCongested(r) && this.fallsBehind(r, sentRate));
    const decisions: SlowDecision[] = [];
    const goodputs = [...this.goodput.values()].sort((a, b) => a - b);
    // Slow is measured against what the others get and against what the sender sends: the median
    // alone follows the rate down once a congested receiver's report has cut it, and a receiver
    // at a third of the session's rate then never looked slow (issue 21.6: all held at 40 Mbit/s).
    const median = Math.max(goodputs[goodputs.length >> 1] ?? 0, sentRate);
    const minority = this.congestedIsMinority(receivers);
    // Two or more have reported and all were congested: a box too busy for any of them.
    const noneKeepsUp = this.congestedNow.size > 1 && [...this.congestedNow.values()].every((c) => c);
    const cutBy: number[] = [];
    for (const r of latest.values()) {
      const congestedNow = isCongested(r);
      // A receiver the policy would move out does not hold the group back while it collects
      // strikes; under same-speed every other congested receiver slows the sender.
      // Alone in the session a receiver is never "slow": moving it to a slower tier or to unicast
      // would serve no one better than slowing this session down (a demoted receiver alone in
      // its tier was demoted again, to a quarter of the rate, in the LAN test).
      // When nobody keeps up, only what the others get tells a slow one apart; one that gets as
      // much as they do is no evidence either way (its strikes stand still) and cuts the rate.
      const busyBox = congestedNow && noneKeepsUp && this.o.policy.kind === 'tiers';
      const reference = busyBox ? this.othersMedianGoodput(r.receiverId) : this.reference(r.receiverId, median, minority);
      const slow = congestedNow && receivers > 1 && this.fallsBehind(r, sentRate) && this.isSlow(r, reference);
      if (busyBox && !slow) {
        cutBy.push(r.receiverId);
        continue;
      }
      if (slow && !busyBox && this.o.policy.kind === 'tiers') this.rateBeforeCuts.set(r.receiverId, reference);
      const strikes = slow ? (this.strikes.get(r.receiverId) ?? 0) + 1 : 0;
      if (strikes === 0) this.strikes.delete(r.receiverId);
      else this.strikes.set(r.receiverId, strikes);
      if (slow && strikes >= this.o.slowRounds) {
        this.strikes.delete(r.receiverId);
        decisions.push({
          receiverId: r.receiverId,
          kind: this.o.policy.kind === 'tiers' ? 'demote' : 'fallback',
          detail: `goodput ${Math.round(r.rateBytesPerSec / 1000)} kB/s, loss ${(r.lossPpm / 1e4).toFixed(1)}%${r.maxGap ? ` (up to ${r.maxGap} packets in a row)` : ''} for ${strikes} rounds`,
        });
      }
      if (congestedNow && !slow) cutBy.push(r.receiverId);
    }
    const before = this.rateBytesPerSec;
    for (const id of cutBy) this.rateBeforeCuts.set(id, Math.max(before, this.rateBeforeCuts.get(id) ?? 0));
    this.lastCutBy = cutBy;
    if (this.law) {
      const queued = cutBy.map((id) => {
        const r = latest.get(id) as ReceiverReport;
        return { deliveryRateBps: r.deliveryRateBps ?? r.rateBytesPerSec, lossPpm: r.lossPpm, queueDelayUs: r.queueDelayUs ?? 0, keepsUp: this.keepsUp(r, sentRate) };
      });
      this.rateBytesPerSec = this.law.next({ nowMs, rateBytesPerSec: before, sentRate, queued });
    } else {
      this.rateBytesPerSec = cutBy.length > 0 ? before * 0.75 : before + 0.05 * this.o.maxRateBytesPerSec;
      this.rateBytesPerSec = Math.round(Math.min(this.o.maxRateBytesPerSec, Math.max(this.o.minRateBytesPerSec, this.rateBytesPerSec)));
    }
    // Once the rate is back where it was before a receiver's cuts, the sent rate covers it.
    for (const [id, rate] of this.rateBeforeCuts) if (this.rateBytesPerSec >= rate) this.rateBeforeCuts.delete(id);
    return decisions;
  }

  /**
   * Whether a congested receiver cannot take the stream: heavy loss or a long missed run, or a
   * queue with a delivery rate under QUEUE_SLOW_RATIO x what the sender sends (a port slower than
   * the stream: its best 50 ms window is the port's rate). A queue alone, with loss no more than
   * random loss, is not enough: a receiver on a CPU-starved box shows a queue in its socket buffer
   * at 0% loss, then reads the backlog in bursts (best windows at or above the sent rate); the LAN
   * test at load 35-40 demoted such clean agents ("loss 0.0%"). It slows the group; it stays in.
   */
  private fallsBehind(r: ReceiverReport, sentRate: number): boolean {
    if (this.losesMore(r)) return true;
    return r.deliveryRateBps !== undefined && r.deliveryRateBps > 0 && r.deliveryRateBps < QUEUE_SLOW_RATIO * sentRate;
  }

  /** It got what was sent (bottleneck-law.ts KEEPS_UP): a delay it reports is not the path's. */
  private keepsUp(r: ReceiverReport, sentRate: number): boolean {
    return !this.losesMore(r) && sentRate > 0 && (r.deliveryRateBps ?? 0) >= KEEPS_UP * sentRate;
  }

  /** More loss than random loss, or a long run of missed packets: an overflowing queue. */
  private losesMore(r: ReceiverReport): boolean {
    return r.lossPpm > QUEUE_ONLY_LOSS_PPM || (r.maxGap ?? 0) >= this.o.congestionGap;
  }

  /** The median of the other receivers' last goodput. */
  private othersMedianGoodput(receiverId: number): number {
    const others = [...this.goodput].filter(([id]) => id !== receiverId).map(([, g]) => g).sort((a, b) => a - b);
    return others[others.length >> 1] ?? 0;
  }

  /**
   * Fewer receivers' last reports were congested than clean (and at least one was). Under the
   * bottleneck law a receiver reports a queue at once, so one that has not reported yet (reports
   * come once a second) counts as clean: else, while the rate probes up at the start, the first
   * report of a receiver behind a slow port would look like the whole group's bottleneck.
   */
  private congestedIsMinority(receivers: number): boolean {
    let congested = 0;
    for (const c of this.congestedNow.values()) if (c) congested++;
    const all = this.law && Number.isFinite(receivers) ? Math.max(receivers, this.congestedNow.size) : this.congestedNow.size;
    return congested > 0 && congested < all - congested;
  }

  /**
   * What a receiver's goodput is compared with under `tiers` (see the header). Same-speed keeps
   * the median / sent rate: there the group follows a receiver down by design.
   */
  private reference(receiverId: number, median: number, minority: boolean): number {
    if (this.o.policy.kind !== 'tiers') return median;
    return Math.max(median, this.rateBeforeCuts.get(receiverId) ?? 0, minority ? this.o.maxRateBytesPerSec : 0);
  }

  private isSlow(r: ReceiverReport, reference: number): boolean {
    switch (this.o.policy.kind) {
      case 'same-speed':
        // The group follows a receiver down, but not below a tenth of what the others get: one
        // that stays under that (a 10 Mbit/s port in a 200 Mbit/s session, or a status that lies
        // "rate 1, loss 90%") would hold everyone at the floor, so it goes to unicast instead.
        return r.rateBytesPerSec < SAME_SPEED_FLOOR_RATIO * reference;
      case 'tiers':
        return r.rateBytesPerSec < this.o.tierRatio * reference;
      case 'disconnect':
        return r.rateBytesPerSec < this.o.policy.kbps * 1000;
    }
  }
}
