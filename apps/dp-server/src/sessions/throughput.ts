// One live session's measured send rate, from its byte counter sampled at every tick.
export class ThroughputMeter {
  private last: { readonly bytes: number; readonly atMs: number } | undefined;
  private rate = 0;

  /** Bytes/s between the previous sample and this one (0 until two samples). */
  sample(bytesSent: number, nowMs: number): void {
    const prev = this.last;
    if (!prev) this.last = { bytes: bytesSent, atMs: nowMs };
    else if (nowMs > prev.atMs) {
      const bytesPerSec = ((bytesSent - prev.bytes) * 1000) / (nowMs - prev.atMs);
      this.last = { bytes: bytesSent, atMs: nowMs };
      this.rate = Math.max(0, Math.round(bytesPerSec));
    }
  }

  get bytesPerSec(): number {
    return this.rate;
  }
}
