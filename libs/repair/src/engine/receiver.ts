// The receiver engine (agent side). Sans-I/O: the app feeds it decoded packets from the group and
// app signals, calls tick() on its own timer, sends the returned messages to the sender (unicast)
// and stores delivered blocks. Only incomplete blocks are buffered.
import type { AnnounceMessage, BlockRange, ControlMessage, DataMessage, NackEntry, Packet, ReceiverState } from '@castpoint/wire';
import { RepairError } from '../errors';
import { ReedSolomon } from '../rs/reed-solomon';
import { IntervalMeter } from './interval-meter';
import { DEFAULT_CONGESTION_GAP, DEFAULT_QUEUE_TARGET_US } from './rate-control';
import { PathMeter } from './path-meter';
import { checkLayout, DEFAULT_INTERLEAVE, DEFAULT_MAX_PARITY } from './layout';
import type { ReceiverAction, ReceiverEvent, ReceiverOptions, ReceiverStats } from './receiver-types';
import { PartialBlock } from './partial-block';
import { clamp, GRTT_INITIAL_MS, GRTT_MAX_MS, GRTT_MIN_MS, timerMs } from './timers';

export type { ReceiverAction, ReceiverEvent, ReceiverOptions, ReceiverStats } from './receiver-types';

/** Need levels of the staggered NACK backoff (needs above the last level share it). */
const NEED_LEVELS = 4;

/**
 * The first status report (the hello) goes out within this long of the first tick, ms. A sender
 * holding data for the receivers it expects (a scheduled start) waits for the last hello, so this
 * is start-up latency for everyone: with 100 ms the last of 4-8 agents spoke ~90 ms after joining,
 * with 20 ms 20-30 ms after (the agent ticks every 10 ms). 5 ms still spreads a crowd that joins
 * at once over a tick (1,000 hellos are ~20 ms of the DP's CPU and ~0.1 MB of its 4 MiB socket
 * buffer); a hello lost to a full socket buffer is repeated with the next status (1 s).
 */
export const FIRST_REPORT_SPREAD_MS = 5;

/**
 * A run of this many packets missed in a row (what the sender reads as congestion by default, see
 * RateControl) brings the next status forward instead of waiting for the interval: a receiver
 * whose socket buffer overflows should slow the sender within a rate round, not a second later.
 * At most one early report per BURST_REPORT_MIN_MS.
 */
export const BURST_REPORT_GAP = DEFAULT_CONGESTION_GAP;
/**
 * Likewise a measuring window whose queueing delay reaches the sender's default target (the path
 * holds a queue in front of us): the sender's rate control should see it within a window, not a
 * status interval later, or a bottleneck overrun costs a second of lost packets.
 */
export const QUEUE_REPORT_US = DEFAULT_QUEUE_TARGET_US;
const BURST_REPORT_MIN_MS = 100;

export class ReceiverEngine {
  private readonly o: Required<Omit<ReceiverOptions, 'held' | 'codec' | 'pool' | 'placeBlock'>> & Pick<ReceiverOptions, 'pool' | 'placeBlock'>;
  private readonly rs: ReedSolomon;
  private readonly held: Uint8Array;
  private blocksDone = 0;
  private readonly partial = new Map<number, PartialBlock>();
  /**
   * Blocks the sender has gone past that we still lack, each with its own NACK time: the moment
   * it fell due plus a random backoff (NORM keeps one backoff per object in the same way).
   */
  private readonly due = new Map<number, number>();
  /** Earliest NACK time in `due` (undefined: recompute). */
  private nextNackMs: number | undefined;
  /** Fresh repair symbols the sender announced, per block, that we do not hold yet. */
  private covered = new Map<number, number>();
  private frontier = 0;
  private senderPassed = false;
  private grtt = GRTT_INITIAL_MS;
  private nextStatusMs: number | undefined;
  private lastDataMs: number | undefined;
  private startMs: number | undefined;
  private inactiveSignalled = false;
  /** Done reports sent so far: they repeat quickly at first, since the sender waits on them. */
  private doneReports = 0;
  private state: ReceiverState = 'waiting';
  private stopped = false;
  /** Goodput, loss and the longest missed run since the last status report. */
  private readonly interval = new IntervalMeter();
  /** Delivery rate and queueing delay (path-meter.ts) for the sender's rate control. */
  private readonly path = new PathMeter();
  /**
   * The sender whose clock and packet counter the path and interval meters read: the one of the
   * last announce (signed by the DP, so no insider can name itself). A new one (a restarted DP)
   * restarts both; packets of any other sender id are not measured (undefined: none announced
   * yet, every packet is).
   */
  private pathSender: number | undefined;
  private packets = 0;
  private duplicates = 0;
  private decoded = 0;
  private nacksSent = 0;
  private nacksSuppressed = 0;

  constructor(options: ReceiverOptions) {
    checkLayout(options.layout);
    this.o = { statusIntervalMs: 1000, inactivityMs: 10_000, groupSizeEstimate: 10_000, maxNackEntries: 128, interleave: DEFAULT_INTERLEAVE, maxParityPerBlock: DEFAULT_MAX_PARITY, ...options };
    if (!(this.o.statusIntervalMs > 0) || !(this.o.inactivityMs > 0) || !(this.o.maxNackEntries >= 1) || !(this.o.groupSizeEstimate >= 1) || !(this.o.interleave >= 1) || !(this.o.maxParityPerBlock >= 1)) {
      throw new RepairError('REPAIR_BAD_OPTIONS', 'receiver timers, group size estimate and maxNackEntries must be positive', {});
    }
    if (options.codec && options.codec.symbolSize !== options.symbolSize) {
      throw new RepairError('REPAIR_BAD_OPTIONS', 'the codec must use the same symbol size', { codec: options.codec.symbolSize, symbolSize: options.symbolSize });
    }
    this.rs = options.codec ?? new ReedSolomon(options.symbolSize);
    this.held = new Uint8Array(options.layout.totalBlocks);
    for (const b of options.held ?? []) this.markHeld(this.checkBlock(b));
  }

  get isComplete(): boolean {
    return this.blocksDone === this.o.layout.totalBlocks;
  }

  handle(event: ReceiverEvent, nowMs: number): ReceiverAction[] {
    const out: ReceiverAction[] = [];
    if (this.startMs === undefined) this.startMs = nowMs;
    switch (event.type) {
      case 'packet':
        if (!this.stopped) this.onPacket(event.packet, nowMs, out);
        break;
      case 'rerequest':
        for (const b of event.blocks.map((x) => this.checkBlock(x))) {
          if (this.held[b] === 1) {
            this.held[b] = 0;
            this.blocksDone--;
          }
          if (this.senderPassed || b < this.frontier) this.setDue(b, nowMs + this.backoff(b));
        }
        if (!this.stopped) this.setState(this.blocksDone === 0 ? 'waiting' : 'repairing', out);
        break;
      case 'stored':
        for (const b of event.blocks.map((x) => this.checkBlock(x))) this.markHeld(b);
        this.checkComplete(nowMs, out);
        break;
    }
    return out;
  }

  tick(nowMs: number): ReceiverAction[] {
    const out: ReceiverAction[] = [];
    if (this.startMs === undefined) this.startMs = nowMs;
    if (this.stopped) return out;
    // The first report is this receiver's hello: a sender holding data for the receivers it
    // expects starts once it heard them, so it goes out soon, at a random point of the first
    // FIRST_REPORT_SPREAD_MS (at most the status interval), so N receivers started together do
    // not report at the same instant.
    if (this.nextStatusMs === undefined) this.nextStatusMs = nowMs + this.o.rng() * Math.min(FIRST_REPORT_SPREAD_MS, this.o.statusIntervalMs);
    if (nowMs >= this.nextStatusMs) {
      // A little jitter spreads N receivers' reports instead of synchronising them.
      const interval = this.isComplete
        ? Math.min(this.o.statusIntervalMs, this.doneRepeatMs() * 2 ** this.doneReports++)
        : this.o.statusIntervalMs;
      this.nextStatusMs = nowMs + interval * (0.9 + 0.2 * this.o.rng());
      out.push({ type: 'send', message: this.status(nowMs) });
    }
    if (!this.isComplete) {
      const since = this.lastDataMs ?? this.startMs;
      if (nowMs - since >= this.o.inactivityMs && !this.inactiveSignalled) {
        this.inactiveSignalled = true;
        out.push({ type: 'inactive', sinceMs: since });
      }
      this.maybeNack(nowMs, out);
    }
    return out;
  }

  stats(): ReceiverStats {
    return {
      blocksDone: this.blocksDone,
      packets: this.packets,
      duplicates: this.duplicates,
      decoded: this.decoded,
      nacksSent: this.nacksSent,
      nacksSuppressed: this.nacksSuppressed,
      grttMs: this.grtt,
      state: this.state,
      bufferedBlocks: this.partial.size,
    };
  }

  private onPacket(packet: Packet, nowMs: number, out: ReceiverAction[]): void {
    const m = packet.message;
    const sender = packet.envelope.senderId;
    if (m.type === 'announce' && sender !== this.pathSender) {
      if (this.pathSender !== undefined) {
        this.path.restart();
        this.interval.restart();
      }
      this.pathSender = sender;
    }
    const measured = this.pathSender === undefined || sender === this.pathSender;
    const gap = measured ? this.interval.packet(packet.envelope.seq) : 0;
    const queueUs = measured ? this.path.packet(packet.envelope.sentAtMs, m.type === 'data' ? m.payload.length : 0, nowMs) : undefined;
    const congested = gap >= BURST_REPORT_GAP || (queueUs ?? 0) >= QUEUE_REPORT_US;
    if (congested && this.nextStatusMs !== undefined && nowMs - this.interval.sinceMs >= BURST_REPORT_MIN_MS) {
      this.nextStatusMs = Math.min(this.nextStatusMs, nowMs);
    }
    if (m.type === 'data') this.onData(m, nowMs, out);
    else if (m.type === 'announce') this.onAnnounce(m, packet.envelope.sentAtMs, nowMs, out);
    else if (m.type === 'kick' && m.receiverId === this.o.receiverId) {
      this.stopped = true;
      this.setState(this.isComplete ? 'done' : 'failed', out);
      out.push({ type: 'kicked', reason: m.reason, detail: m.detail });
    }
  }

  private onData(m: DataMessage, nowMs: number, out: ReceiverAction[]): void {
    const total = this.o.layout.totalBlocks;
    if (!(m.block >= 0 && m.block < total) || m.k !== this.o.layout.blockK(m.block) || !(m.symbol >= 0 && m.symbol < 255)) return;
    this.packets++;
    this.interval.payload(m.payload.length);
    this.lastDataMs = nowMs;
    this.inactiveSignalled = false;
    // New data is interleaved in aligned groups: seeing block b means every group before b's is over.
    const groupStart = m.block - (m.block % this.o.interleave);
    if (groupStart > this.frontier) this.advanceFrontier(groupStart, nowMs);
    if (this.state === 'waiting') this.setState('receiving', out);
    if (this.held[m.block] === 1) {
      this.duplicates++;
      return;
    }
    let p = this.partial.get(m.block);
    if (!p) {
      const size = m.k * this.o.symbolSize;
      // A place of another size is not used: the block would be cut short or spill over.
      const placed = this.o.placeBlock?.(m.block, size);
      p = new PartialBlock(m.k, this.o.symbolSize, placed?.length === size ? placed : this.o.pool?.take(size));
      this.partial.set(m.block, p);
    }
    if (p.holds(m.symbol) || m.payload.length > this.o.symbolSize) {
      this.duplicates++;
      return;
    }
    p.add(m.symbol, m.payload);
    const c = this.covered.get(m.block);
    if (c !== undefined) this.covered.set(m.block, c - 1);
    if (p.size < p.k) return;
    const data = p.data;
    if (p.parity.size > 0) {
      // Some source symbols came as parity: rebuild the missing ones into the block buffer.
      const sources = this.rs.decode(p.k, p.received());
      for (let i = 0; i < p.k; i++) if (!p.holds(i)) data.set(sources[i] as Uint8Array, i * this.o.symbolSize);
      this.decoded++;
    }
    this.markHeld(m.block);
    out.push({ type: 'block', block: m.block, data });
    this.checkComplete(nowMs, out);
  }

  private onAnnounce(m: AnnounceMessage, sentAtMs: number, nowMs: number, out: ReceiverAction[]): void {
    const grtt = clamp(m.grttMs, GRTT_MIN_MS, GRTT_MAX_MS);
    if (grtt < this.grtt / 2) this.rescaleDue(grtt / this.grtt, nowMs);
    this.grtt = grtt;
    if (m.pass > 0 || m.cursor >= this.o.layout.totalBlocks) {
      if (!this.senderPassed) {
        this.senderPassed = true;
        this.advanceFrontier(this.o.layout.totalBlocks, nowMs);
      }
    } else if (m.cursor > this.frontier) this.advanceFrontier(m.cursor, nowMs);
    // Suppression: count the announced fresh symbols we do not hold; they will cover our need.
    const covered = new Map<number, number>();
    for (const r of m.repairs) {
      const p = this.partial.get(r.block);
      if (this.held[r.block] === 1) continue;
      const k = this.o.layout.blockK(r.block);
      const n = Math.min(255, k + this.o.maxParityPerBlock);
      let lacking = 0;
      for (let i = 0; i < r.count; i++) {
        const s = (r.firstSymbol + i) % n;
        if (!p || !p.holds(s)) lacking++;
        if (lacking >= k) break;
      }
      covered.set(r.block, lacking);
    }
    this.covered = covered;
    if (m.probeId !== 0 && (m.probeTargets.length === 0 || m.probeTargets.includes(this.o.receiverId))) {
      out.push({ type: 'send', message: { type: 'probe-echo', receiverId: this.o.receiverId, probeId: m.probeId, probeSentAtMs: sentAtMs, holdMs: 0 } });
    }
    if (m.finished) {
      this.stopped = true;
      const complete = this.isComplete;
      if (complete) out.push({ type: 'send', message: { type: 'leave', receiverId: this.o.receiverId, reason: 'complete' } });
      this.setState(complete ? 'done' : 'failed', out);
      out.push({ type: 'finished', complete });
    }
  }

  private advanceFrontier(to: number, nowMs: number): void {
    for (let b = this.frontier; b < to; b++) if (this.held[b] === 0) this.setDue(b, nowMs + this.backoff(b));
    this.frontier = to;
  }

  /**
   * NACK times drawn under a GRTT that has since fallen a lot (queues drained at the end of the
   * pass) shrink with it: otherwise the last losses wait out backoffs sized for the old GRTT.
   */
  private rescaleDue(factor: number, nowMs: number): void {
    for (const [block, at] of this.due) if (at > nowMs) this.due.set(block, nowMs + (at - nowMs) * factor);
    this.nextNackMs = undefined;
  }

  private setDue(block: number, atMs: number): void {
    this.due.set(block, atMs);
    if (this.nextNackMs !== undefined && atMs < this.nextNackMs) this.nextNackMs = atMs;
  }

  /**
   * A random NACK backoff from a truncated exponential over [0, nackBackoff] (NORM's formula with
   * lambda = ln(group size estimate) + 1): few receivers pick an early time, so for each block a
   * few speak first and the rest hear the sender's repair announcement before their own timer.
   * The backoff is staggered by need: a receiver needing 4 or more symbols draws from the first
   * 40% of the window, one needing 3 from 20%..60%, 2 from 40%..80%, 1 from 60%..100%. The
   * receiver missing the most usually speaks first, and since the sender sends the max, the
   * announcement of its report covers everyone needing less before their turn (the steps of
   * 2 x GRTT leave time for the NACK to reach the sender and the announcement to come back).
   */
  private backoff(block: number): number {
    const need = this.o.layout.blockK(block) - (this.partial.get(block)?.size ?? 0);
    const window = timerMs('nackBackoff', this.grtt);
    const start = 0.2 * window * (NEED_LEVELS - Math.min(need, NEED_LEVELS));
    const lambda = Math.log(this.o.groupSizeEstimate) + 1;
    const x = this.o.rng();
    return start + (0.4 * window * Math.log((Math.exp(lambda) - 1) * x + 1)) / lambda;
  }

  /**
   * When the earliest block's NACK time comes, report it, together with the blocks whose own time
   * falls within the next quarter GRTT (one packet instead of several, at little cost to their
   * chance of being covered first), leaving out blocks the announced repairs already cover. Each
   * reported or covered block waits nackRepeat plus a fresh backoff before it can be reported again.
   */
  private maybeNack(nowMs: number, out: ReceiverAction[]): void {
    if (this.nextNackMs === undefined) {
      this.nextNackMs = Infinity;
      for (const at of this.due.values()) if (at < this.nextNackMs) this.nextNackMs = at;
    }
    if (nowMs < this.nextNackMs) return;
    this.nextNackMs = undefined;
    const horizon = nowMs + this.grtt;
    const entries: NackEntry[] = [];
    const ranges: BlockRange[] = [];
    let suppressed = false;
    for (const [block, at] of this.due) {
      if (at > horizon) continue;
      if (entries.length >= this.o.maxNackEntries && ranges.length >= this.o.maxNackEntries) break;
      const repeatAt = nowMs + timerMs('nackRepeat', this.grtt) + this.backoff(block);
      const k = this.o.layout.blockK(block);
      const have = this.partial.get(block)?.size ?? 0;
      const needed = k - have;
      if (needed <= (this.covered.get(block) ?? 0)) {
        suppressed = true;
        this.due.set(block, repeatAt);
        continue;
      }
      if (have === 0) {
        const last = ranges[ranges.length - 1];
        if (last && last.last === block - 1) ranges[ranges.length - 1] = { first: last.first, last: block };
        else if (ranges.length < this.o.maxNackEntries) ranges.push({ first: block, last: block });
        else continue;
      } else if (entries.length < this.o.maxNackEntries) entries.push({ block, needed });
      else continue;
      this.due.set(block, repeatAt);
    }
    if (suppressed) this.nacksSuppressed++;
    if (entries.length === 0 && ranges.length === 0) return;
    this.nacksSent++;
    this.setState('repairing', out);
    out.push({ type: 'send', message: { type: 'nack', receiverId: this.o.receiverId, entries, ranges } });
  }

  private status(nowMs: number): ControlMessage {
    const { rateBytesPerSec, lossPpm, maxGap } = this.interval.take(nowMs);
    const { deliveryRateBps, queueDelayUs } = this.path.take();
    return {
      type: 'status',
      receiverId: this.o.receiverId,
      state: this.state,
      blocksDone: this.blocksDone,
      totalBlocks: this.o.layout.totalBlocks,
      rateBps: rateBytesPerSec, // the wire's name (status message)
      lossPpm,
      maxGap,
      ...(deliveryRateBps > 0 ? { deliveryRateBps } : {}),
      ...(queueDelayUs > 0 ? { queueDelayUs } : {}),
    };
  }

  private markHeld(block: number): void {
    this.partial.delete(block);
    this.due.delete(block);
    this.covered.delete(block);
    if (this.held[block] === 1) return;
    this.held[block] = 1;
    this.blocksDone++;
  }

  private checkComplete(nowMs: number, out: ReceiverAction[]): void {
    if (!this.isComplete || this.state === 'done') return;
    this.setState('done', out);
    this.doneReports = 0;
    this.nextStatusMs = nowMs + this.doneRepeatMs();
    out.push({ type: 'send', message: this.status(nowMs) });
  }

  /**
   * The sender waits on every receiver's 'done' status, so a lost one delays the whole session:
   * repeat it after 2 x nackRepeat, doubling up to the status interval, until `finished` arrives.
   */
  private doneRepeatMs(): number {
    return 2 * timerMs('nackRepeat', this.grtt);
  }

  private setState(state: ReceiverState, out: ReceiverAction[]): void {
    if (this.state === state) return;
    this.state = state;
    out.push({ type: 'state', state });
  }

  private checkBlock(b: number): number {
    if (!Number.isInteger(b) || b < 0 || b >= this.o.layout.totalBlocks) {
      throw new RepairError('REPAIR_BAD_BLOCK', `block ${b} is outside 0..${this.o.layout.totalBlocks - 1}`, { block: b });
    }
    return b;
  }
}
