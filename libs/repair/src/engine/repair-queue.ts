// The sender's repair plan: per block, how many fresh symbols it still owes the group (the max
// of what receivers asked for, minus what is already on its way), and which symbol comes next.
import { timerMs } from './timers';
import type { BlockLayout } from './layout';

/** Next symbol of a block to send as repair and how many are owed. */
export interface RepairPick {
  readonly block: number;
  readonly symbol: number;
  readonly k: number;
}

export class RepairQueue {
  /** Partial repairs (someone holds part of the block): served first, FIFO. */
  private readonly partial = new Map<number, number>();
  /** Whole-block demands (late joiners, long outages): served after partial ones, FIFO. */
  private readonly bulk = new Map<number, number>();
  /** Repair send times per block, pruned to the in-flight window: they discount new NACKs. */
  private readonly recent = new Map<number, number[]>();
  /**
   * The current repair round of each block: where in the rotation it started and how many symbols
   * it has sent. Announcements list whole rounds (sent + still owed) until the in-flight window
   * has passed, so a receiver whose repair is still on its way stays quiet.
   */
  private readonly rounds = new Map<number, { start: number; sent: number }>();
  /**
   * Position of each block in its symbol rotation k, k+1, ..., n-1, 0, ..., k-1 (n = k + parity):
   * repairs are always the least recently sent symbols, fresh parity first. One byte per block.
   */
  private readonly rotation: Uint8Array;
  /** The receiver whose NACK last grew each owed block's plan (dropOwnedBy). */
  private readonly owners = new Map<number, number>();
  repairSymbols = 0;
  peakEntries = 0;

  constructor(
    private readonly layout: BlockLayout,
    private readonly maxParity: number,
  ) {
    this.rotation = new Uint8Array(layout.totalBlocks);
  }

  /** Symbols in block b's rotation (k source + parity, at most 255). */
  private span(block: number): { k: number; n: number } {
    const k = this.layout.blockK(block);
    return { k, n: Math.min(255, k + this.maxParity) };
  }

  private symbolAt(block: number, offset: number): number {
    const { k, n } = this.span(block);
    return (k + (((this.rotation[block] as number) + offset) % n)) % n;
  }

  private symbolAtRotation(block: number, rotation: number): number {
    const { k, n } = this.span(block);
    return (k + (rotation % n)) % n;
  }

  /**
   * A receiver needs `needed` more symbols of `block`. Repairs sent within the in-flight window
   * have not reached it yet when it wrote the NACK, so they count against the need; the plan then
   * becomes the max over receivers, never the sum. The plan grows by at most `maxGrowth` (the
   * receiver's repair budget). Returns how much it grew and how much more was asked and refused.
   */
  request(block: number, needed: number, nowMs: number, grttMs: number, maxGrowth = Infinity, by = -1): { granted: number; refused: number } {
    const { k } = this.span(block);
    const inFlight = this.inFlight(block, nowMs, grttMs);
    const current = this.pending(block);
    const asked = Math.min(needed, k) - inFlight;
    if (asked <= current) return { granted: 0, refused: 0 };
    const want = Math.min(asked, current + Math.max(0, Math.floor(maxGrowth)));
    const refused = asked - want;
    if (want <= current) return { granted: 0, refused };
    if (!this.rounds.has(block)) this.rounds.set(block, { start: this.rotation[block] as number, sent: 0 });
    const whole = needed >= k && !this.partial.has(block);
    if (whole) this.bulk.set(block, want);
    else {
      this.bulk.delete(block);
      this.partial.set(block, want);
    }
    this.owners.set(block, by);
    this.peakEntries = Math.max(this.peakEntries, this.entries());
    return { granted: want - current, refused };
  }

  pending(block: number): number {
    return this.partial.get(block) ?? this.bulk.get(block) ?? 0;
  }

  get size(): number {
    return this.partial.size + this.bulk.size;
  }

  entries(): number {
    return this.partial.size + this.bulk.size + this.recent.size + this.rounds.size;
  }

  /** Takes the next repair symbol to send (partial repairs before whole blocks), or undefined. */
  take(nowMs: number): RepairPick | undefined {
    const queue = this.partial.size > 0 ? this.partial : this.bulk;
    const first = queue.entries().next();
    if (first.done) return undefined;
    const [block, owed] = first.value;
    const symbol = this.symbolAt(block, 0);
    const { n } = this.span(block);
    this.rotation[block] = ((this.rotation[block] as number) + 1) % n;
    if (owed <= 1) {
      queue.delete(block);
      this.owners.delete(block);
    } else queue.set(block, owed - 1);
    const times = this.recent.get(block);
    if (times) times.push(nowMs);
    else this.recent.set(block, [nowMs]);
    this.repairSymbols++;
    const round = this.rounds.get(block);
    if (round) round.sent++;
    return { block, symbol, k: this.span(block).k };
  }

  /**
   * Announcement entries for up to `max` blocks: the round's `count` symbols (sent and owed) in
   * rotation order from firstSymbol. Blocks still owed come first.
   */
  announce(max: number): { block: number; firstSymbol: number; count: number }[] {
    const out: { block: number; firstSymbol: number; count: number }[] = [];
    const seen = new Set<number>();
    for (const queue of [this.partial, this.bulk]) {
      for (const [block, owed] of queue) {
        if (out.length >= max) return out;
        const round = this.rounds.get(block);
        seen.add(block);
        out.push(round ? { block, firstSymbol: this.symbolAtRotation(block, round.start), count: round.sent + owed } : { block, firstSymbol: this.symbolAt(block, 0), count: owed });
      }
    }
    for (const [block, round] of this.rounds) {
      if (out.length >= max) break;
      if (!seen.has(block)) out.push({ block, firstSymbol: this.symbolAtRotation(block, round.start), count: round.sent });
    }
    return out;
  }

  /**
   * Forgets what is still owed of the blocks whose plan `receiverId` set last (it was moved out of
   * the session). Another receiver that needed part of it NACKs again after its repeat timer: a
   * flood's queued plan does not keep the session busy after its sender is gone.
   */
  dropOwnedBy(receiverId: number): number {
    let dropped = 0;
    for (const [block, by] of this.owners) {
      if (by !== receiverId) continue;
      dropped += this.pending(block);
      this.partial.delete(block);
      this.bulk.delete(block);
      this.owners.delete(block);
    }
    return dropped;
  }

  /** Drops send times older than the in-flight window (call from tick). */
  prune(nowMs: number, grttMs: number): void {
    const horizon = nowMs - timerMs('inFlight', grttMs);
    for (const [block, times] of this.recent) {
      let i = 0;
      while (i < times.length && (times[i] as number) < horizon) i++;
      if (i === times.length) this.recent.delete(block);
      else if (i > 0) times.splice(0, i);
    }
    for (const block of this.rounds.keys()) {
      if (!this.recent.has(block) && this.pending(block) === 0) this.rounds.delete(block);
    }
  }

  private inFlight(block: number, nowMs: number, grttMs: number): number {
    const times = this.recent.get(block);
    if (!times) return 0;
    const horizon = nowMs - timerMs('inFlight', grttMs);
    let n = 0;
    for (const t of times) if (t >= horizon) n++;
    return n;
  }
}
