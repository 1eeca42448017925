// The sender engine (DP side), one per multicast session. Sans-I/O: the app feeds it control
// packets and app signals through handle(), calls tick() on its own timer, pulls the next symbol
// to send with nextData() at the pace of rateBytesPerSec, and carries out the returned actions.
import type { AnnounceMessage, ControlMessage, KickMessage, Packet } from '@castpoint/wire';
import { RS_MAX_SYMBOLS } from '../rs/reed-solomon';
import { ReceiverGate } from './control-gate';
import { JoinerHold } from './joiner-hold';
import { RateControl } from './rate-control';
import { RepairBudget } from './repair-budget';
import { requestRepairs } from './repair-intake';
import { pickProbeTargets } from './probe-targets';
import { RepairQueue } from './repair-queue';
import { clamp, GRTT_INITIAL_MS, GRTT_MAX_MS, GRTT_MIN_MS, timerMs } from './timers';
import { resolveSenderOptions, type ResolvedSenderOptions } from './sender-options';
import type { DataPick, ReceiverInfo, SenderAction, SenderEvent, SenderOptions, SenderStats } from './sender-types';

export type { DataPick, ReceiverInfo, SenderAction, SenderEvent, SenderOptions, SenderStats } from './sender-types';

const SILENCE_SCAN_MS = 250;

export class SenderEngine {
  private readonly o: ResolvedSenderOptions;
  private readonly receivers = new Map<number, ReceiverInfo>();
  private readonly repairs: RepairQueue;
  private readonly rate: RateControl;
  private readonly budget: RepairBudget;
  /** Which control packets count: registered receivers speaking for themselves, each packet once. */
  private readonly gate = new ReceiverGate();
  private readonly hold = new JoinerHold();
  /** First block of the interleaving group being sent (the announce cursor). */
  private cursor = 0;
  /** Per block of the group: next source symbol to send. */
  private groupNext: number[] = [];
  private groupTurn = 0;
  /**
   * Source symbols of the group not yet sent: the group is over at 0. Counted down per pick; a
   * check of every block's progress per pick was a closure and a scan per datagram (issue 29).
   */
  private groupLeft = 0;
  private pass = 0;
  private credit = 0;
  private grtt = GRTT_INITIAL_MS;
  private grttMeasured = false;
  private nextAnnounceMs = 0;
  private nextProbeMs = 0;
  private nextRateMs = 0;
  private nextSilenceScanMs = 0;
  private lastUrgentAnnounceMs = -Infinity;
  private probeId = 0;
  private readonly probes = new Map<number, number>();
  private finished = false;
  /** When the first pass sent its last new symbol (undefined before). */
  private passEndMs: number | undefined;
  /** The next probe asks every receiver whose RTT predates the pass's end. */
  private probeStale = false;
  private everRegistered = false;
  private dataSymbols = 0;
  private announces = 0;
  private nacksReceived = 0;
  private peakEntries = 0;

  constructor(options: SenderOptions) {
    const o = resolveSenderOptions(options);
    this.o = o;
    this.repairs = new RepairQueue(o.layout, o.maxParityPerBlock);
    this.rate = new RateControl({ ...o, initialRateBytesPerSec: clamp(o.initialRateBytesPerSec, o.minRateBytesPerSec, o.maxRateBytesPerSec), policy: o.slowPolicy, law: o.rateLaw });
    this.budget = new RepairBudget(options.repairBudget);
  }

  /** Send slots per second at the current rate: what repair budgets accrue against. */
  private get slotsPerSecond(): number {
    return this.rate.rateBytesPerSec / this.o.symbolSize;
  }

  /** Current target rate for the pacer, bytes/s. */
  get rateBytesPerSec(): number {
    return this.rate.rateBytesPerSec;
  }

  get grttMs(): number {
    return this.grtt;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  handle(event: SenderEvent, nowMs: number): SenderAction[] {
    const out: SenderAction[] = [];
    switch (event.type) {
      case 'register': {
        this.everRegistered = true;
        this.gate.add(event.receiverId);
        const known = this.receivers.get(event.receiverId);
        if (!known) {
          this.receivers.set(event.receiverId, newReceiver(event.receiverId, nowMs));
          this.budget.register(event.receiverId, this.symbolsAlreadySent(), nowMs, this.dataSymbols);
        }
        this.finished = false;
        break;
      }
      case 'unregister':
        this.gate.remove(event.receiverId);
        this.remove(event.receiverId, 'left', out);
        break;
      case 'await-joiners':
        this.hold.set(event.count, nowMs + event.graceMs);
        break;
      case 'packet':
        this.onPacket(event.packet, nowMs, out);
        break;
    }
    this.checkFinished(out);
    this.trackPeak();
    return out;
  }

  /**
   * The next symbol to send, or undefined when there is nothing to send now. While new data
   * remains, repairs take at most `repairShare` of the slots; after the first pass only repairs
   * go out (the demand-driven carousel), and nothing once the session is finished.
   */
  nextData(nowMs: number): DataPick | undefined {
    // Held (await-joiners): announces still go out, from tick().
    if (this.hold.holding(this.gate.heardCount(), nowMs)) return undefined;
    if (this.finished) return undefined;
    const newDataLeft = this.cursor < this.o.layout.totalBlocks;
    this.credit = Math.min(1, this.credit + this.o.repairShare);
    if (this.repairs.size > 0 && (!newDataLeft || this.credit >= 1)) {
      const pick = this.repairs.take(nowMs);
      if (pick) {
        this.credit -= 1;
        this.rate.sent(this.o.symbolSize);
        if (this.repairs.size === 0 && !newDataLeft) this.pass++;
        return { ...pick, repair: true };
      }
    }
    if (!newDataLeft || this.receivers.size === 0) return undefined;
    const total = this.o.layout.totalBlocks;
    const size = Math.min(this.o.interleave, total - this.cursor);
    if (this.groupNext.length === 0) {
      this.groupNext = new Array<number>(size).fill(0);
      this.groupLeft = 0;
      for (let j = 0; j < size; j++) this.groupLeft += this.o.layout.blockK(this.cursor + j);
    }
    // Round-robin over the group's blocks, skipping those already fully sent (shorter blocks).
    for (let tries = 0; tries < size; tries++) {
      const i = this.groupTurn;
      this.groupTurn = (this.groupTurn + 1) % size;
      const block = this.cursor + i;
      const k = this.o.layout.blockK(block);
      const symbol = this.groupNext[i] as number;
      if (symbol >= k) continue;
      this.groupNext[i] = symbol + 1;
      this.dataSymbols++;
      this.rate.sent(this.o.symbolSize);
      if (--this.groupLeft === 0) {
        this.cursor += size;
        this.groupNext = [];
        this.groupTurn = 0;
        if (this.cursor >= total) this.endOfPass(nowMs);
      }
      return { block, symbol, k, repair: false };
    }
    return undefined; // unreachable: a group always has a symbol left until it advances
  }

  /**
   * The last new symbol is out. The RTTs measured while data streamed include the queues that the
   * stream built (50-100 ms here with 8 receivers sharing 2 cores, against ~3 ms idle), and the
   * receivers' NACK timers are multiples of GRTT: probe every receiver again at once, so the tail
   * of repairs runs on RTTs measured now (see updateGrtt).
   */
  private endOfPass(nowMs: number): void {
    this.pass = 1;
    this.passEndMs = nowMs;
    this.probeStale = true;
    this.nextProbeMs = nowMs;
    this.nextAnnounceMs = nowMs;
  }

  tick(nowMs: number): SenderAction[] {
    const out: SenderAction[] = [];
    this.repairs.prune(nowMs, this.grtt);
    if (nowMs >= this.nextSilenceScanMs) {
      this.nextSilenceScanMs = nowMs + SILENCE_SCAN_MS;
      for (const r of [...this.receivers.values()]) {
        const limitMs = r.heard ? this.o.silentTimeoutMs : this.o.firstReportTimeoutMs;
        if (r.state !== 'done' && nowMs - r.lastHeardMs > limitMs) this.remove(r.receiverId, 'silent', out);
      }
    }
    if (nowMs >= this.nextRateMs) {
      this.nextRateMs = nowMs + timerMs('rate', this.grtt);
      const before = this.rate.rateBytesPerSec;
      // Receivers asking beyond their repair budget round after round are moved out like slow ones.
      for (const d of [...this.rate.round(nowMs, this.receivers.size), ...this.budget.decisions(this.o.slowRounds, this.o.slowPolicy)]) {
        out.push({
          type: 'send',
          message: { type: 'kick', receiverId: d.receiverId, reason: d.kind === 'demote' ? 'tier' : 'fallback', detail: d.detail },
        });
        out.push({ type: d.kind, receiverId: d.receiverId });
        this.remove(d.receiverId, 'kicked', out);
      }
      if (this.rate.rateBytesPerSec !== before) out.push({ type: 'rate', rateBytesPerSec: this.rate.rateBytesPerSec });
    }
    this.checkFinished(out);
    if (nowMs >= this.nextAnnounceMs) out.push(this.announce(nowMs));
    this.trackPeak();
    return out;
  }

  stats(): SenderStats {
    return {
      dataSymbols: this.dataSymbols,
      repairSymbols: this.repairs.repairSymbols,
      announces: this.announces,
      nacksReceived: this.nacksReceived,
      grttMs: this.grtt,
      rateBytesPerSec: this.rate.rateBytesPerSec,
      pendingRepairBlocks: this.repairs.size,
      refusedRepairSymbols: this.budget.refusedSymbols,
      droppedControl: { ...this.gate.dropped },
      peakStateEntries: this.peakEntries,
      receivers: [...this.receivers.values()].map((r) => ({ ...r })),
    };
  }

  /**
   * handle({ type: 'packet' }) that also says whether the packet passed the gate (a registered
   * receiver speaking for itself, with a fresh seq): only then may the app relay its reports.
   */
  handlePacket(packet: Packet<ControlMessage>, nowMs: number): { accepted: boolean; actions: SenderAction[] } {
    const out: SenderAction[] = [];
    const accepted = this.onPacket(packet, nowMs, out);
    this.checkFinished(out);
    this.trackPeak();
    return { accepted, actions: out };
  }

  /** Returns whether the packet passed the gate. */
  private onPacket(packet: Packet<ControlMessage>, nowMs: number, out: SenderAction[]): boolean {
    const m = packet.message;
    if (packet.envelope.sessionId !== this.o.sessionId) return false; // another session's packet
    if (m.type === 'announce' || m.type === 'kick') return false; // our own kind of packet: nothing to learn
    // An agent speaks only for itself, each packet once, and only while the app has it registered.
    if (this.gate.admit(packet.envelope.senderId, m.receiverId, packet.envelope.seq) !== 'ok') return false;
    this.onControl(m, nowMs, out);
    return true;
  }

  private onControl(m: Exclude<ControlMessage, AnnounceMessage | KickMessage>, nowMs: number, out: SenderAction[]): void {
    const r = this.receivers.get(m.receiverId);
    if (!r) return; // not registered (or already dropped): the app decides whether to re-register
    r.lastHeardMs = nowMs;
    r.heard = true;
    switch (m.type) {
      case 'nack': {
        this.nacksReceived++;
        r.nacks++;
        if (r.state === 'waiting' || r.state === 'receiving') r.state = 'repairing';
        const grew = requestRepairs({ queue: this.repairs, budget: this.budget, layout: this.o.layout, grttMs: this.grtt, slotsPerSecond: this.slotsPerSecond, dataSymbolsSent: this.dataSymbols }, m, nowMs);
        // Tell the group at once (throttled) so other receivers suppress the same NACK.
        // It stands in for the next periodic announce (the period starts again from it, and it
        // carries a probe when one is due): every announce costs the DP an Ed25519 signature and
        // every agent a verification, and announces sent at both rates were ~100 a second per
        // session at 1% loss, twice what either alone sends (issue 29).
        if (grew && nowMs - this.lastUrgentAnnounceMs >= Math.max(1, this.grtt / 4)) {
          this.lastUrgentAnnounceMs = nowMs;
          out.push(this.announce(nowMs));
        }
        break;
      }
      case 'status': {
        r.blocksDone = m.blocksDone;
        r.rateBytesPerSec = m.rateBps;
        r.lossPpm = m.lossPpm;
        this.budget.report(r.receiverId, m.lossPpm, m.rateBps, nowMs, this.slotsPerSecond);
        const wasDone = r.state === 'done';
        r.state = m.blocksDone >= this.o.layout.totalBlocks ? 'done' : m.state;
        if (r.state === 'done' && !wasDone) out.push({ type: 'receiver-done', receiverId: r.receiverId });
        if (r.state !== 'done') {
          const urgent = this.rate.report({ receiverId: r.receiverId, rateBytesPerSec: m.rateBps, lossPpm: m.lossPpm, maxGap: m.maxGap ?? 0, deliveryRateBps: m.deliveryRateBps, queueDelayUs: m.queueDelayUs });
          // A queue in front of a receiver: the rate round runs at the next tick, not up to 200 ms later.
          if (urgent) this.nextRateMs = Math.min(this.nextRateMs, nowMs);
        }
        break;
      }
      case 'probe-echo': {
        const sentAt = this.probes.get(m.probeId);
        if (sentAt === undefined) break;
        const rtt = clamp(nowMs - sentAt - Math.max(0, m.holdMs), GRTT_MIN_MS, GRTT_MAX_MS);
        // After the first pass only repairs trickle out: the queues that inflated RTTs while data
        // streamed have drained, so a fresh sample is the path's RTT and is taken as it is (the
        // receivers' NACK timers, multiples of GRTT, then stop waiting for queues long gone).
        const settled = this.cursor >= this.o.layout.totalBlocks;
        r.rttMs = r.rttMs === undefined || settled ? rtt : 0.75 * r.rttMs + 0.25 * rtt;
        r.rttAtMs = nowMs;
        this.updateGrtt(settled);
        break;
      }
      case 'leave':
        if (m.reason === 'complete') {
          if (r.state !== 'done') out.push({ type: 'receiver-done', receiverId: r.receiverId });
          r.state = 'done';
          r.blocksDone = this.o.layout.totalBlocks;
        } else this.remove(r.receiverId, 'left', out);
        break;
    }
  }

  /**
   * GRTT = the largest receiver RTT: up at once, down slowly (NORM does the same) while data
   * streams; once the pass is over (`settled`) down at once too, counting only RTTs measured
   * since the pass ended (a receiver's value from the pass would hold GRTT at the queues' level
   * until its turn in the probe rotation came, which with 8 receivers took seconds).
   */
  private updateGrtt(settled: boolean): void {
    let max = 0;
    const since = settled ? (this.passEndMs ?? -Infinity) : -Infinity;
    for (const r of this.receivers.values()) if (r.rttMs !== undefined && (r.rttAtMs ?? -Infinity) >= since && r.rttMs > max) max = r.rttMs;
    if (max === 0) return;
    // The first measurement replaces the initial guess outright.
    this.grtt = max >= this.grtt || !this.grttMeasured || settled ? max : 0.9 * this.grtt + 0.1 * max;
    this.grttMeasured = true;
    this.grtt = clamp(this.grtt, GRTT_MIN_MS, GRTT_MAX_MS);
  }

  private announce(nowMs: number): SenderAction {
    this.nextAnnounceMs = nowMs + timerMs('announce', this.grtt);
    let probeId = 0;
    let probeTargets: number[] = [];
    if (nowMs >= this.nextProbeMs && this.receivers.size > 0 && !this.finished) {
      this.nextProbeMs = nowMs + timerMs('probe', this.grtt);
      probeId = ++this.probeId;
      this.probes.set(probeId, nowMs);
      this.probes.delete(probeId - 8);
      probeTargets = this.pickProbeTargets();
    }
    this.announces++;
    return {
      type: 'send',
      message: {
        type: 'announce',
        totalBlocks: this.o.layout.totalBlocks,
        cursor: this.cursor,
        pass: this.pass,
        // The wire carries whole milliseconds (rounded up: timers never shorter than measured)
        // and runs that end at symbol 254; a rotation that wraps is announced up to 254, so
        // receivers suppress a little less, never wrongly.
        grttMs: Math.ceil(this.grtt),
        rateBps: this.rate.rateBytesPerSec,
        repairs: this.repairs
          .announce(this.o.maxAnnouncedRepairs)
          .map((r) => ({ ...r, count: Math.min(r.count, RS_MAX_SYMBOLS - r.firstSymbol) }))
          .filter((r) => r.count > 0),
        probeId,
        probeTargets,
        finished: this.finished,
      },
    };
  }

  private pickProbeTargets(): number[] {
    const active = [...this.receivers.values()].filter((r) => r.state !== 'done');
    if (active.length === 0) return [];
    const staleSince = this.probeStale ? (this.passEndMs ?? -Infinity) : undefined;
    this.probeStale = false;
    return pickProbeTargets(active, staleSince, this.o.rng);
  }

  private remove(receiverId: number, reason: 'silent' | 'left' | 'kicked', out: SenderAction[]): void {
    if (!this.receivers.delete(receiverId)) return;
    this.rate.forget(receiverId);
    this.budget.forget(receiverId);
    if (reason === 'kicked') this.repairs.dropOwnedBy(receiverId);
    out.push({ type: 'drop', receiverId, reason });
  }

  /** Symbols of blocks the first pass already sent: a receiver registering now needs them whole. */
  private symbolsAlreadySent(): number {
    const blocks = this.pass > 0 ? this.o.layout.totalBlocks : this.cursor + this.groupNext.length;
    return blocks * this.o.layout.blockK(0);
  }

  private checkFinished(out: SenderAction[]): void {
    if (this.finished || !this.everRegistered) return;
    for (const r of this.receivers.values()) if (r.state !== 'done') return;
    this.finished = true;
    out.push({ type: 'finished' });
    this.nextAnnounceMs = 0; // tell the group now
  }

  private trackPeak(): void {
    this.peakEntries = Math.max(this.peakEntries, this.receivers.size + this.repairs.entries() + this.probes.size);
  }
}

function newReceiver(receiverId: number, nowMs: number): ReceiverInfo {
  return { receiverId, state: 'waiting', blocksDone: 0, rateBytesPerSec: 0, lossPpm: 0, rttMs: undefined, rttAtMs: undefined, lastHeardMs: nowMs, heard: false, nacks: 0 };
}
