// What a receiver measures of the path for the sender's rate control (docs/protocol.md, "Rate
// control"): its delivery rate and the trend of the one-way delay, both over windows of
// PATH_WINDOW_MS. Behind a bottleneck the delivery rate is the bottleneck's rate (less the loss
// after it), and a queue in front of it shows as one-way delay above the lowest one seen: the
// clocks of the two machines are not synchronised, so the delay itself means nothing, only its
// growth above that base (LEDBAT's idea). Random loss changes neither figure.

/** Length of one measuring window, ms. */
export const PATH_WINDOW_MS = 50;
/**
 * The base (lowest one-way delay) is the lowest of the last BASE_BUCKETS buckets of BASE_BUCKET_MS:
 * a base kept for a whole session would drift with the two clocks (tens of ppm: a few ms per
 * minute) and read as a queue, or hide one. The sender's cuts drain the queue every few seconds,
 * so each bucket sees the empty queue.
 */
export const BASE_BUCKET_MS = 20_000;
export const BASE_BUCKETS = 3;

export interface PathFigures {
  /** Most data payload bytes/s in one complete window since the last take() (0: none complete). */
  readonly deliveryRateBps: number;
  /** Last complete window's lowest one-way delay above the base, microseconds (0 before any window). */
  readonly queueDelayUs: number;
}

export class PathMeter {
  /** The first packet's raw one-way delay: every later one is taken relative to it (wrap-safe). */
  private origin: number | undefined;
  private windowStartMs: number | undefined;
  private windowBytes = 0;
  private windowMinDelay = Infinity;
  private peakRate = 0;
  private queueUs = 0;
  /** Per bucket: its start and the lowest relative delay seen in it, newest last. */
  private readonly bases: { startMs: number; min: number }[] = [];

  /**
   * One packet from the sender: its header's sentAtMs (32-bit ms of the sender's clock), the data
   * payload bytes it carried (0 for an announce) and our receive time. Returns the queueing delay
   * (us) of a window this packet closed, or undefined when it closed none.
   */
  packet(sentAtMs: number, payloadBytes: number, nowMs: number): number | undefined {
    const raw = nowMs - sentAtMs;
    this.origin ??= raw;
    // Relative to the first packet, folded into +-2^31 ms: the sender's 32-bit ms counter wraps
    // every 49.7 days and the offset between the clocks is arbitrary.
    const delay = fold(raw - this.origin);
    let closed: number | undefined;
    if (this.windowStartMs === undefined) this.windowStartMs = nowMs;
    else if (nowMs - this.windowStartMs >= PATH_WINDOW_MS) closed = this.closeWindow(nowMs);
    this.windowBytes += payloadBytes;
    if (delay < this.windowMinDelay) this.windowMinDelay = delay;
    this.noteBase(delay, nowMs);
    return closed;
  }

  /**
   * Forgets the sender's clock: the next packet sets a new origin and base. For a new sender (a
   * restarted DP: a new sender id, and a clock that starts again from its process's start), whose
   * delays against the old origin would read as a queue as long as the old process's uptime
   * until every base bucket had rolled over: a resumed session sat at the rate floor for ~50 s
   * (e2e "the DP killed and restarted mid-session", 2026-12-06).
   */
  restart(): void {
    this.origin = undefined;
    this.windowStartMs = undefined;
    this.windowBytes = 0;
    this.windowMinDelay = Infinity;
    this.queueUs = 0;
    this.bases.length = 0;
  }

  /** The figures since the last call (the status interval's). */
  take(): PathFigures {
    const figures = { deliveryRateBps: Math.round(this.peakRate), queueDelayUs: this.queueUs };
    this.peakRate = 0;
    return figures;
  }

  private closeWindow(nowMs: number): number {
    const start = this.windowStartMs as number;
    const rate = (this.windowBytes * 1000) / (nowMs - start);
    if (rate > this.peakRate) this.peakRate = rate;
    // The window's lowest delay: one packet that sat behind a pause of the receiving process (a GC,
    // a busy core) does not count as a queue; a queue in the path delays every packet.
    this.queueUs = Math.max(0, Math.round((this.windowMinDelay - this.base()) * 1000));
    this.windowStartMs = nowMs;
    this.windowBytes = 0;
    this.windowMinDelay = Infinity;
    return this.queueUs;
  }

  private noteBase(delay: number, nowMs: number): void {
    const last = this.bases[this.bases.length - 1];
    if (last && nowMs - last.startMs < BASE_BUCKET_MS) {
      if (delay < last.min) last.min = delay;
      return;
    }
    this.bases.push({ startMs: nowMs, min: delay });
    if (this.bases.length > BASE_BUCKETS) this.bases.shift();
  }

  private base(): number {
    let min = Infinity;
    for (const b of this.bases) if (b.min < min) min = b.min;
    return min;
  }
}

/** x folded into [-2^31, 2^31) modulo 2^32 (x in ms, fractions kept). */
function fold(x: number): number {
  const m = ((x % 2 ** 32) + 2 ** 32) % 2 ** 32;
  return m >= 2 ** 31 ? m - 2 ** 32 : m;
}
