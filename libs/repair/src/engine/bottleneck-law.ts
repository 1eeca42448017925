// The rate law that finds the bottleneck (docs/protocol.md, "Rate control"; BBR/LEDBAT-style):
// driven by the receivers' delivery rates and queueing delays (path-meter.ts), never by random
// loss. RateControl decides which receivers count (the slow-client policy moves the others out)
// and hands this law, each rate round, the delivery rates of those whose reports showed a queue
// (or the old congestion signs: heavy loss, a long run of missed packets).
//
// - startup: from the initial rate (a fraction of the cap) the rate doubles every round in which
//   nobody reports a queue (but receivers that still get all that is sent: KEEPS_UP) and the
//   sender really sends at its rate, up to the cap: probing instead of blasting at a cap that may
//   be ten times the path.
// - the first queue ends it: the rate drops to DRAIN_GAIN x the bottleneck estimate (the lowest
//   delivery rate among those reporting a queue) until a round without a queue report (the queue
//   that start-up built has drained), then sits at the estimate.
// - steady: each round without a queue report adds a step that doubles from MIN_STEP to MAX_STEP
//   (so the rate comes back quickly after a cut and creeps near the bottleneck); a queue report
//   sets the rate to CUT below the lower of the rate and the estimate (the delivery rate over
//   1 - loss: below the bottleneck, so the queue drains) and resets the step; no new cut for
//   CUT_HOLDOFF_MS, nor before the reported queue could drain at that rate (queue / CUT, at most
//   MAX_HOLDOFF_MS): the reports that follow a cut still show the queue that caused it.
// - a receiver leaving the session (the policy moved it out, it went silent) restarts start-up
//   from the current rate: the bottleneck may have been in front of that receiver.

/** Start-up rate: the cap divided by this. */
export const STARTUP_DIVISOR = 8;
const STARTUP_GAIN = 2;
const DRAIN_GAIN = 0.75;
const DRAIN_MS = 200;
const CUT = 0.03;
const MIN_STEP = 0.01;
const MAX_STEP = 0.16;
const CUT_HOLDOFF_MS = 300;
const MAX_HOLDOFF_MS = 1000;
/** Below this share of the rate the sender is not using its rate (app- or CPU-limited): no growth. */
const IN_USE = 0.5;
/**
 * Bytes a data packet carries beyond its symbol (the castpoint header and tag, UDP, IP): delivery
 * rates count payload, the pacer counts datagrams (and the shaper in the path whole packets).
 */
export const PACKET_OVERHEAD_BYTES = 64;

export type BottleneckPhase = 'startup' | 'drain' | 'steady';

export interface BottleneckInput {
  readonly nowMs: number;
  readonly rateBytesPerSec: number;
  /** What the sender handed out over the last round (bytes/s), see RateControl.sentRate. */
  readonly sentRate: number;
  /** The receivers that count and reported a queue (empty: none did): payload delivery rate, loss. */
  readonly queued: readonly QueuedReport[];
}

export interface QueuedReport {
  /** Payload bytes/s (its best window; 0: it did not say). */
  readonly deliveryRateBps: number;
  readonly lossPpm: number;
  /** Its queueing delay, us (0: it did not say). */
  readonly queueDelayUs: number;
  /**
   * It received what was sent: its best window at least KEEPS_UP x the sent rate, loss no more
   * than random loss, no long run missed (RateControl decides). Start-up does not end on such a
   * report. @default false
   */
  readonly keepsUp?: boolean;
}

/**
 * A queued receiver whose best window delivers at least this share of the sent rate keeps up with
 * it: the delay it reports is its own (a CPU-starved agent reads its socket late), not a queue in
 * the path, which would hold its delivery rate at the path's rate, under what start-up sends.
 */
export const KEEPS_UP = 0.95;

export class BottleneckLaw {
  phase: BottleneckPhase = 'startup';
  /** The last bottleneck estimate (datagram bytes/s), undefined before the first queue. */
  estimate: number | undefined;
  private step = MIN_STEP;
  private lastCutMs = -Infinity;
  /** No new cut before this: the queue the last cut saw needs time to drain at the cut rate. */
  private holdUntilMs = -Infinity;
  private readonly wire: number;

  constructor(private readonly o: { readonly maxRateBytesPerSec: number; readonly minRateBytesPerSec: number; readonly symbolSize: number }) {
    this.wire = (o.symbolSize + PACKET_OVERHEAD_BYTES) / o.symbolSize;
  }

  /**
   * A receiver left (moved out by the policy, done, gone): the bottleneck may have left with it,
   * so probe up as at start-up, from the current rate.
   */
  reprobe(): void {
    this.phase = 'startup';
    this.step = MIN_STEP;
  }

  /** The new rate (bytes/s, within [min, max]). */
  next(i: BottleneckInput): number {
    // Receivers that get all that is sent are no evidence of a bottleneck at this rate: on a busy
    // box every agent's first reports show scheduling delays, and ending start-up on them held a
    // session at a third of what the box could carry for its first seconds (issue 29: 74-125
    // Mbit/s for 2 s, unshaped, 4 agents on 2 cores, where the same agents later took 300).
    const noEvidence = this.phase === 'startup' && i.queued.every((q) => q.keepsUp === true);
    const rate = this.decide(noEvidence ? { ...i, queued: [] } : i);
    return Math.round(Math.min(this.o.maxRateBytesPerSec, Math.max(this.o.minRateBytesPerSec, rate)));
  }

  private decide(i: BottleneckInput): number {
    const rate = i.rateBytesPerSec;
    if (i.queued.length > 0) {
      // A receiver that reported no delivery rate (an old agent, a report before any window
      // closed) gives no estimate: the cut alone applies.
      const rates = i.queued.filter((q) => q.deliveryRateBps > 0);
      if (this.phase === 'startup') {
        // What got through while start-up overran the path: the bottleneck, less the loss after it.
        const measured = Math.min(...rates.map((q) => q.deliveryRateBps * this.wire));
        this.phase = 'drain';
        this.lastCutMs = i.nowMs;
        this.estimate = Number.isFinite(measured) ? Math.min(rate, measured) : rate * (1 - CUT);
        return this.estimate * DRAIN_GAIN;
      }
      if (i.nowMs < this.holdUntilMs || i.nowMs - this.lastCutMs < CUT_HOLDOFF_MS + (this.phase === 'drain' ? DRAIN_MS : 0)) return rate;
      this.lastCutMs = i.nowMs;
      // A queue of q ms drains in q / CUT ms at (1 - CUT) x the bottleneck: the reports until then
      // show the same queue, and cutting on each would take the rate far below the bottleneck.
      const queueMs = Math.max(0, ...i.queued.map((q) => q.queueDelayUs / 1000));
      this.holdUntilMs = i.nowMs + Math.min(MAX_HOLDOFF_MS, queueMs / CUT);
      this.step = MIN_STEP;
      // Here the queue was seen before it overflowed, so the loss a receiver reports is the loss
      // after the bottleneck: its delivery rate over (1 - loss) is the bottleneck's rate. Where
      // the queue did overflow, that figure is the rate sent, and the cut applies instead.
      const estimate = Math.min(...rates.map((q) => (q.deliveryRateBps * this.wire) / (1 - Math.min(0.5, q.lossPpm / 1e6))));
      if (Number.isFinite(estimate)) this.estimate = estimate;
      if (this.phase === 'drain') return Math.min(rate, this.estimate ?? rate) * DRAIN_GAIN;
      return Math.min(rate, estimate) * (1 - CUT);
    }
    if (this.phase === 'drain') {
      if (i.nowMs - this.lastCutMs < DRAIN_MS) return rate;
      this.phase = 'steady';
      return Math.max(rate, this.estimate ?? rate);
    }
    // The sender did not use the rate it had (no receivers yet, an image read stalled, a busy
    // CPU): that is no evidence the path takes more.
    if (i.sentRate < IN_USE * rate) return rate;
    if (this.phase === 'startup') return rate * STARTUP_GAIN;
    const grown = rate * (1 + this.step);
    this.step = Math.min(MAX_STEP, this.step * 2);
    return grown;
  }
}
