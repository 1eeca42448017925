// Which control packets the sender engine acts on, and the per-receiver state that decision needs
// (moved here from the DP's runner so that the seeded simulator exercises it too). Only receiver
// ids the app registered in this session count: a packet from any other id (invented by an insider
// with the client token, or from an agent already moved out) is dropped and counted before anything
// is stored for it. Status for 400k invented ids grew
// the runner's maps from 25 to 81 MB of heap (issue 22.4).

export type GateVerdict = 'ok' | 'spoofed' | 'unknown' | 'replay';

export class ReceiverGate {
  private readonly registered = new Set<number>();
  /** Highest seq seen per registered receiver: replays and reordered duplicates are dropped. */
  private readonly lastSeq = new Map<number, bigint>();
  /** Registered receivers that have sent a valid control packet (their hello is the first status report). */
  private readonly heard = new Set<number>();
  readonly dropped: Record<Exclude<GateVerdict, 'ok'>, number> = { spoofed: 0, unknown: 0, replay: 0 };

  add(receiverId: number): void {
    this.registered.add(receiverId);
  }

  /** The receiver left the session: its state goes, and its packets count as unknown from now on. */
  remove(receiverId: number): void {
    this.registered.delete(receiverId);
    this.lastSeq.delete(receiverId);
    this.heard.delete(receiverId);
  }

  has(receiverId: number): boolean {
    return this.registered.has(receiverId);
  }

  get receivers(): ReadonlySet<number> {
    return this.registered;
  }

  /** Registered receivers heard from at least once. */
  heardCount(): number {
    let n = 0;
    for (const r of this.registered) if (this.heard.has(r)) n++;
    return n;
  }

  /** Entries held for receivers, all maps together (bounded by the registered receivers). */
  get entries(): number {
    return this.registered.size + this.lastSeq.size + this.heard.size;
  }

  /** Decides on one authenticated control packet from `senderId` speaking for `receiverId`. */
  admit(senderId: number, receiverId: number, seq: bigint): GateVerdict {
    const verdict = this.check(senderId, receiverId, seq);
    if (verdict !== 'ok') {
      this.dropped[verdict]++;
      return verdict;
    }
    this.lastSeq.set(receiverId, seq);
    this.heard.add(receiverId);
    return 'ok';
  }

  private check(senderId: number, receiverId: number, seq: bigint): GateVerdict {
    // An agent speaks only for itself, and each of its packets once.
    if (senderId !== receiverId) return 'spoofed';
    if (!this.registered.has(receiverId)) return 'unknown';
    const last = this.lastSeq.get(receiverId);
    if (last !== undefined && seq <= last) return 'replay';
    return 'ok';
  }
}
