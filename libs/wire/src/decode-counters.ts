// "Drop and count": apps feed every DecodeResult here and export the figures (metrics, dashboard).
import type { DecodeResult } from './packet-codec';
import { DECODE_ERROR_CODES, type DecodeErrorCode } from './wire-error';

export interface DecodeCountersSnapshot {
  readonly accepted: number;
  readonly rejected: number;
  /** Rejections per error code (every decode code present, zero when none). */
  readonly byCode: Readonly<Record<DecodeErrorCode, number>>;
}

/** Counts accepted packets and rejected ones per error code. One instance per session or socket. */
export class DecodeCounters {
  private acceptedCount = 0;
  private readonly rejectedByCode = new Map<DecodeErrorCode, number>();

  /** Count one result and hand it back, so `counters.record(decodePacket(...))` reads in one line. */
  record(result: DecodeResult): DecodeResult {
    if (result.ok) this.acceptedCount++;
    else this.rejectedByCode.set(result.error.code, (this.rejectedByCode.get(result.error.code) ?? 0) + 1);
    return result;
  }

  get accepted(): number {
    return this.acceptedCount;
  }

  get rejected(): number {
    let total = 0;
    for (const n of this.rejectedByCode.values()) total += n;
    return total;
  }

  rejectedFor(code: DecodeErrorCode): number {
    return this.rejectedByCode.get(code) ?? 0;
  }

  snapshot(): DecodeCountersSnapshot {
    const byCode = Object.fromEntries(DECODE_ERROR_CODES.map((c) => [c, this.rejectedFor(c)])) as Record<DecodeErrorCode, number>;
    return { accepted: this.acceptedCount, rejected: this.rejected, byCode };
  }

  reset(): void {
    this.acceptedCount = 0;
    this.rejectedByCode.clear();
  }
}
