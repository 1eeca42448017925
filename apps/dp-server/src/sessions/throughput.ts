// Each live session's measured send rate, from its byte counter sampled at every tick.
export class ThroughputMeter {
  private readonly samples = new Map<number, { bytes: number; atMs: number; bps: number }>();

  /** Bytes/s between the previous sample of session `id` and this one (0 until two samples). */
  sample(id: number, bytesSent: number, nowMs: number): void {
    const prev = this.samples.get(id);
    if (!prev) this.samples.set(id, { bytes: bytesSent, atMs: nowMs, bps: 0 });
    else if (nowMs > prev.atMs) {
      const bps = ((bytesSent - prev.bytes) * 1000) / (nowMs - prev.atMs);
      this.samples.set(id, { bytes: bytesSent, atMs: nowMs, bps: Math.max(0, Math.round(bps)) });
    }
  }

  bps(id: number): number {
    return this.samples.get(id)?.bps ?? 0;
  }

  forget(id: number): void {
    this.samples.delete(id);
  }
}
