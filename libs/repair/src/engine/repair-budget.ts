// Per-receiver repair budgets: how many repair symbols each receiver may add to the sender's plan.
// Without them one receiver (a rogue insider, or a broken agent) NACKing every block every 20 ms
// took ~47% of the send slots and kept the session open for as long as it talked (issue 22.4).
//
// A receiver earns repair symbols as a token bucket fed by time at the session's current
// capacity (rate / symbol size): allowance(p) = slack * p / (1 - p) + floor symbols per slot, p its
// last reported loss, clamped to `maxLoss`. p / (1 - p) is what random loss p costs: to get k
// symbols through, k / (1 - p) must be sent. `slack` covers NACK rounds whose repairs are lost too
// and the noise of one report; `floor` covers a report of no loss that then loses a little. Only
// plan growth a receiver's NACK causes is charged to it (the plan is the max over receivers, so a
// receiver asking for what another already asked for costs nothing). A receiver gets `burst`
// symbols at once when it registers, plus every symbol of the blocks already sent in the first
// pass (a late joiner needs those whole). What it asks beyond its budget is not granted, and a
// rate round in which that happened is a strike: after `strikes` rounds in a row the engine
// treats it as slow (sender.ts: the slow policy moves it out).
import type { SlowDecision, SlowPolicy } from './rate-control';
import { clamp } from './timers';

export interface RepairBudgetOptions {
  /** Repair symbols per slot per unit of p / (1 - p). @default 1.5 */
  readonly slack?: number;
  /** Repair symbols per slot any receiver may ask for whatever its loss. @default 0.02 */
  readonly floor?: number;
  /** Highest loss a report can justify (a receiver reporting more is congested: the slow policy's matter). @default 0.5 */
  readonly maxLoss?: number;
  /** Symbols a receiver may ask for at once on registering, and the most it can bank. @default 4096 */
  readonly burst?: number;
  /** Loss assumed until a receiver's first report with data in it. @default 0.25 */
  readonly unknownLoss?: number;
}

interface Account {
  tokens: number;
  cap: number;
  atMs: number;
  loss: number;
  /** Highest loss it reported: sets its lifetime bound (a receiver's tail reports see little loss). */
  peakLoss: number;
  /** New-data symbols the sender had sent when it registered, and repair symbols granted since. */
  dataAtRegister: number;
  granted: number;
  /** Growth refused since the last round. */
  refused: number;
  strikes: number;
}

export class RepairBudget {
  private readonly o: Required<RepairBudgetOptions>;
  private readonly accounts = new Map<number, Account>();
  /** Symbols refused over the session, all receivers. */
  refusedSymbols = 0;

  constructor(options: RepairBudgetOptions = {}) {
    this.o = { slack: 1.5, floor: 0.02, maxLoss: 0.5, burst: 4096, unknownLoss: 0.25, ...options };
  }

  /** A receiver joins; `owedSymbols`: symbols of blocks sent before it listened (it needs them whole). */
  register(receiverId: number, owedSymbols: number, nowMs: number, dataSymbolsSent: number): void {
    if (this.accounts.has(receiverId)) return;
    const cap = this.o.burst + Math.max(0, owedSymbols);
    this.accounts.set(receiverId, {
      tokens: cap, cap, atMs: nowMs, loss: this.o.unknownLoss, peakLoss: this.o.unknownLoss, dataAtRegister: dataSymbolsSent, granted: 0, refused: 0, strikes: 0,
    });
  }

  forget(receiverId: number): void {
    this.accounts.delete(receiverId);
  }

  get size(): number {
    return this.accounts.size;
  }

  /**
   * The receiver's last status: its loss sets what it earns from now on. A report with no data in
   * it (the hello, an idle interval) says nothing about loss and keeps the previous figure.
   */
  report(receiverId: number, lossPpm: number, rateBytesPerSec: number, nowMs: number, slotsPerSecond: number): void {
    const a = this.accounts.get(receiverId);
    if (!a || rateBytesPerSec <= 0) return;
    this.accrue(a, nowMs, slotsPerSecond);
    a.loss = clamp(lossPpm / 1e6, 0, this.o.maxLoss);
    a.peakLoss = Math.max(a.peakLoss, a.loss);
  }

  /**
   * Symbols `receiverId` may add to the plan now (0 for a receiver the budget does not know): its
   * tokens, and over its whole stay no more than its peak loss justifies for the new data sent
   * since it registered plus its first allowance. Without the lifetime bound a receiver claiming
   * 90% loss kept the plan full of its requests and the session open for as long as it talked.
   */
  available(receiverId: number, nowMs: number, slotsPerSecond: number, dataSymbolsSent: number): number {
    const a = this.accounts.get(receiverId);
    if (!a) return 0;
    this.accrue(a, nowMs, slotsPerSecond);
    const lifetime = a.cap + this.allowance(a.peakLoss) * Math.max(0, dataSymbolsSent - a.dataAtRegister) - a.granted;
    return Math.max(0, Math.floor(Math.min(a.tokens, lifetime)));
  }

  /** Charges `granted` symbols of plan growth; `refused` more were asked for and not granted. */
  charge(receiverId: number, granted: number, refused: number): void {
    const a = this.accounts.get(receiverId);
    if (!a) return;
    a.tokens = Math.max(0, a.tokens - granted);
    a.granted += granted;
    if (refused > 0) {
      a.refused += refused;
      this.refusedSymbols += refused;
    }
  }

  /**
   * One rate round: receivers refused in this round collect a strike, the others lose theirs.
   * Returns the receivers with `strikes` rounds in a row, with what they asked beyond the bound.
   */
  round(strikes: number): { receiverId: number; refused: number; rounds: number }[] {
    const out: { receiverId: number; refused: number; rounds: number }[] = [];
    for (const [receiverId, a] of this.accounts) {
      a.strikes = a.refused > 0 ? a.strikes + 1 : 0;
      if (a.strikes >= strikes) out.push({ receiverId, refused: a.refused, rounds: a.strikes });
      a.refused = 0;
    }
    return out;
  }

  /**
   * `round` as slow-policy decisions: receivers over their bound for `strikes` rounds in a row go
   * to their own tier under `tiers`, to unicast otherwise (under same-speed too: slowing the group
   * cannot satisfy a need that loss does not explain). Once they are out, the session no longer
   * waits on them.
   */
  decisions(strikes: number, policy: SlowPolicy): SlowDecision[] {
    return this.round(strikes).map((x) => ({
      receiverId: x.receiverId,
      kind: policy.kind === 'tiers' ? 'demote' : 'fallback',
      detail: `asked for ${x.refused} repair symbols beyond what its reported loss justifies, ${x.rounds} rounds in a row`,
    }));
  }

  /** Repair symbols per slot a receiver reporting loss `p` may ask for. */
  allowance(p: number): number {
    const loss = clamp(p, 0, this.o.maxLoss);
    return this.o.slack * (loss / (1 - loss)) + this.o.floor;
  }

  private accrue(a: Account, nowMs: number, slotsPerSecond: number): void {
    const dt = Math.max(0, nowMs - a.atMs) / 1000;
    a.atMs = Math.max(a.atMs, nowMs);
    a.tokens = Math.min(a.cap, a.tokens + dt * slotsPerSecond * this.allowance(a.loss));
  }
}
