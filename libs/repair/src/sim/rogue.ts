// A rogue receiver for the simulator: an insider that registered like any agent and then, instead
// of its engine's honest reports, NACKs every block of the image every `nackEveryMs` and reports
// a status of its own choosing (by default an honest-looking one that never says done). The
// sender must keep the damage to the other receivers bounded (docs/repair.md, "Fair share").
import type { ControlMessage } from '@castpoint/wire';

export interface RogueSpec {
  /** Period of its NACK of every block. */
  readonly nackEveryMs: number;
  /** Loss it claims in its status reports (ppm). @default 0 */
  readonly lossPpm?: number;
  /** Goodput it claims (bytes/s). @default the link rate */
  readonly rateBytesPerSec?: number;
  /** Speaks for the receiver at this index instead of itself (its packets carry its own sender id). */
  readonly spoofIndex?: number;
  /** Sends each packet twice, the same seq again (a replay). @default false */
  readonly replay?: boolean;
}

/** Blocks per NACK range: the whole image in one range (as the wire allows). */
export class RogueReceiver {
  private nextNackMs = 0;
  private nextStatusMs = 0;

  constructor(
    private readonly receiverId: number,
    private readonly totalBlocks: number,
    private readonly spec: RogueSpec,
    private readonly statusIntervalMs: number,
    private readonly linkBytesPerSec: number,
  ) {}

  get replays(): boolean {
    return this.spec.replay === true;
  }

  tick(nowMs: number): ControlMessage[] {
    const out: ControlMessage[] = [];
    if (nowMs >= this.nextNackMs) {
      this.nextNackMs = nowMs + this.spec.nackEveryMs;
      out.push({ type: 'nack', receiverId: this.receiverId, entries: [], ranges: [{ first: 0, last: this.totalBlocks - 1 }] });
    }
    if (nowMs >= this.nextStatusMs) {
      this.nextStatusMs = nowMs + this.statusIntervalMs;
      out.push({
        type: 'status',
        receiverId: this.receiverId,
        state: 'repairing',
        blocksDone: 0,
        totalBlocks: this.totalBlocks,
        rateBps: this.spec.rateBytesPerSec ?? this.linkBytesPerSec,
        lossPpm: this.spec.lossPpm ?? 0,
        maxGap: 0,
      });
    }
    return out;
  }
}
