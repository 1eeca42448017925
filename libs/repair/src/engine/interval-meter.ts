// What a receiver's status report measures over one interval: goodput, loss and the longest run of
// missed packets, all from the sender's packet counter `seq` (every gap in seq is a packet this
// receiver did not get; late packets count as received but not as a gap).

/** The numbers of one status interval. */
export interface IntervalFigures {
  /** Data payload bytes per second. */
  readonly rateBytesPerSec: number;
  /** Packets missed, parts per million of those the sender numbered. */
  readonly lossPpm: number;
  /** The longest run of consecutive sender packets missed. */
  readonly maxGap: number;
}

export class IntervalMeter {
  private lastSeq: bigint | undefined;
  private packets = 0;
  private seqs = 0;
  private maxGapSeen = 0;
  private bytes = 0;
  private startMs = 0;

  /** Counts one packet from the sender; returns the run of packets missed just before it (0 if none). */
  packet(seq: bigint): number {
    this.packets++;
    if (this.lastSeq === undefined) {
      // The first packet ever: nothing before it can be called missed.
      this.lastSeq = seq;
      this.seqs++;
      return 0;
    }
    if (seq <= this.lastSeq) return 0; // late or repeated: already counted as numbered
    const step = Number(seq - this.lastSeq);
    this.seqs += step;
    this.lastSeq = seq;
    if (step - 1 > this.maxGapSeen) this.maxGapSeen = step - 1;
    return step - 1;
  }

  /**
   * Forgets the sender's counter (the interval's figures so far are kept): a new sender (a
   * restarted DP) numbers its packets from 0 again, which against the old counter would all read
   * as late, and the receiver would report no loss and no gap until the new count passed the old.
   */
  restart(): void {
    this.lastSeq = undefined;
  }

  payload(bytes: number): void {
    this.bytes += bytes;
  }

  /** When the current interval began (the last report). */
  get sinceMs(): number {
    return this.startMs;
  }

  /** The figures since the last call, and a new interval from `nowMs`. */
  take(nowMs: number): IntervalFigures {
    const seconds = Math.max(0.001, (nowMs - this.startMs) / 1000);
    const figures = {
      rateBytesPerSec: Math.round(this.bytes / seconds),
      lossPpm: this.seqs > 0 ? Math.round(Math.max(0, 1 - this.packets / this.seqs) * 1e6) : 0,
      maxGap: this.maxGapSeen,
    };
    this.packets = 0;
    this.seqs = 0;
    this.maxGapSeen = 0;
    this.bytes = 0;
    this.startMs = nowMs;
    return figures;
  }
}
