// A seeded simulator for the rate control (issue 29.5): one SenderEngine and a few ReceiverEngines
// on a virtual clock, with a bottleneck queue at the server and/or in front of single receivers
// (drop-tail, sized in time like tc's tbf `latency`), random loss after it, and clocks that are
// not synchronised (every receiver's clock has its own offset; the sender's 32-bit ms counter
// wraps during the run). Unlike simulate.ts it moves no image: payloads are one shared buffer of
// zeros, and since every block is all zeros the receivers' codec skips the Reed-Solomon work and
// hands back zeros (what decoding would give), so a 1 Gbit/s run of seconds stays cheap.
// It reports what the sender sent and what each queue let through, per 100 ms.
import type { ControlMessage, Message, Packet } from '@castpoint/wire';
import { BufferPool } from '../engine/buffer-pool';
import { uniformLayout } from '../engine/layout';
import type { RateLaw, SlowPolicy } from '../engine/rate-control';
import { ReceiverEngine, type ReceiverAction } from '../engine/receiver';
import { SenderEngine, type SenderAction } from '../engine/sender';
import { RepairError } from '../errors';
import { seededRng } from '../rng';
import type { ReedSolomon } from '../rs/reed-solomon';
import { independentLoss, type LossModel } from './loss';

export interface BottleneckReceiverSpec {
  /** A bottleneck in front of this receiver only, bytes/s. */
  readonly downBytesPerSec?: number;
  /** Its random loss (0..1), after every queue. @default BottleneckSimOptions.loss */
  readonly loss?: number;
}

export interface BottleneckSimOptions {
  readonly seed: number;
  /** The sender's configured cap (`--max-rate`), bytes/s. */
  readonly capBytesPerSec: number;
  /** A bottleneck at the server (its link), bytes/s. @default none */
  readonly serverBytesPerSec?: number;
  readonly receivers: readonly BottleneckReceiverSpec[];
  /** Random loss at every receiver (0..1). @default 0 */
  readonly loss?: number;
  /** Longest a packet may wait in a bottleneck queue before it is dropped, ms (tbf latency). @default 50 */
  readonly queueMs?: number;
  /** Virtual time to run, ms. */
  readonly durationMs: number;
  /** @default 1400 */
  readonly symbolSize?: number;
  /** One-way delay of every path without its queues, ms. @default 0.5 */
  readonly delayMs?: number;
  readonly rateLaw?: RateLaw;
  readonly slowPolicy?: SlowPolicy;
  /** Receivers' status period, ms. @default 1000 */
  readonly statusIntervalMs?: number;
}

export interface BottleneckBin {
  readonly startMs: number;
  /** The sender's pacing rate at the end of the bin, bytes/s. */
  readonly rateBytesPerSec: number;
  /** Datagram bytes the sender sent in the bin. */
  readonly sentBytes: number;
}

export interface BottleneckSimResult {
  readonly bins: readonly BottleneckBin[];
  /** Packets each bottleneck queue dropped (server first, then per receiver). */
  readonly serverDrops: number;
  readonly receiverDrops: readonly number[];
  /** Data payload bytes each receiver got. */
  readonly received: readonly number[];
  /** Receivers the slow policy moved out, with the time. */
  readonly kicked: readonly { index: number; kind: string; atMs: number }[];
}

/** Bytes of a datagram beyond its payload (castpoint header and tag, UDP, IP). */
const OVERHEAD = 64;
const BIN_MS = 100;
const SENDER_ID = 0x80000001;
/** The sender's clock starts this far before its 32-bit ms counter wraps. */
const SENDER_CLOCK_START = 2 ** 32 - 700;

/** A drop-tail FIFO with a rate and a longest wait: a tbf-like shaper, or an unshaped hop. */
class Hop {
  private busyUntil = 0;
  drops = 0;
  constructor(private readonly bytesPerSec: number | undefined, private readonly maxWaitMs: number) {}

  /** When a packet of `bytes` entering at `now` leaves, or undefined if dropped. */
  pass(now: number, bytes: number): number | undefined {
    if (this.bytesPerSec === undefined) return now;
    const start = Math.max(now, this.busyUntil);
    if (start - now > this.maxWaitMs) {
      this.drops++;
      return undefined;
    }
    this.busyUntil = start + (bytes / this.bytesPerSec) * 1000;
    return this.busyUntil;
  }
}

interface SimReceiver {
  readonly engine: ReceiverEngine;
  /** Block buffers, handed back as soon as a block is complete (nothing checks their bytes here). */
  readonly pool: BufferPool;
  readonly hop: Hop;
  readonly loss: LossModel;
  /** This receiver's clock minus the simulation's. */
  readonly clockOffsetMs: number;
  readonly inbox: { at: number; packet: Packet }[];
  head: number;
  seq: bigint;
  received: number;
  gone: boolean;
}

/** Runs the session for durationMs of virtual time. */
export function simulateBottleneck(options: BottleneckSimOptions): BottleneckSimResult {
  const o = { loss: 0, queueMs: 50, symbolSize: 1400, delayMs: 0.5, rateLaw: 'bottleneck' as RateLaw, slowPolicy: { kind: 'same-speed' } as SlowPolicy, statusIntervalMs: 1000, ...options };
  if (o.receivers.length < 1 || !(o.capBytesPerSec > 0) || !(o.durationMs > 0) || !(o.loss >= 0 && o.loss < 1)) {
    throw new RepairError('REPAIR_BAD_OPTIONS', 'bottleneck simulator needs a receiver, capBytesPerSec > 0, durationMs > 0, 0 <= loss < 1', { ...o });
  }
  const master = seededRng(o.seed);
  const seedOf = (): number => Math.floor(master() * 2 ** 32);
  // Enough blocks that the first pass outlasts the run at the cap.
  const layout = uniformLayout(Math.ceil((o.capBytesPerSec * o.durationMs) / 1000) + o.symbolSize * 64, o.symbolSize, 64);
  const zeros = new Uint8Array(o.symbolSize);
  const codec = zeroCodec(o.symbolSize);
  const sender = new SenderEngine({ sessionId: 1, layout, symbolSize: o.symbolSize, maxRateBytesPerSec: o.capBytesPerSec, rng: seededRng(seedOf()), rateLaw: o.rateLaw, slowPolicy: o.slowPolicy });
  const server = new Hop(o.serverBytesPerSec, o.queueMs);
  const receivers: SimReceiver[] = o.receivers.map((spec, i) => {
    const pool = new BufferPool(64);
    return {
    engine: new ReceiverEngine({ receiverId: i + 1, layout, symbolSize: o.symbolSize, rng: seededRng(seedOf()), statusIntervalMs: o.statusIntervalMs, codec, pool }),
    pool,
    hop: new Hop(spec.downBytesPerSec, o.queueMs),
    loss: independentLoss(spec.loss ?? o.loss, seededRng(seedOf())),
    clockOffsetMs: Math.floor(seededRng(seedOf())() * 1e9),
    inbox: [],
    head: 0,
    seq: 1n,
    received: 0,
    gone: false,
    };
  });
  const ucast: { at: number; packet: Packet<ControlMessage> }[] = [];
  let uHead = 0;
  const bins: BottleneckBin[] = [];
  const kicked: { index: number; kind: string; atMs: number }[] = [];
  let binBytes = 0;
  let nextBinMs = BIN_MS;
  let now = 0;
  let seq = 0n;

  const multicast = (message: Message, bytes: number): void => {
    const packet: Packet = { envelope: { sessionId: 1, senderId: SENDER_ID, seq: seq++, sentAtMs: Math.floor(SENDER_CLOCK_START + now) % 2 ** 32 }, message };
    const left = server.pass(now, bytes);
    if (left === undefined) return;
    for (const r of receivers) {
      if (r.gone || r.loss()) continue;
      const at = r.hop.pass(left + o.delayMs, bytes);
      if (at !== undefined) r.inbox.push({ at, packet });
    }
  };
  const onSender = (actions: SenderAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') multicast(a.message, 100);
      else if (a.type === 'demote' || a.type === 'fallback') {
        const r = receivers[a.receiverId - 1];
        if (r) r.gone = true;
        kicked.push({ index: a.receiverId - 1, kind: a.type, atMs: now });
      }
    }
  };
  const onReceiver = (r: SimReceiver, index: number, actions: ReceiverAction[]): void => {
    for (const a of actions) {
      if (a.type === 'block') r.pool.give(a.data);
      if (a.type !== 'send') continue;
      ucast.push({ at: now + o.delayMs, packet: { envelope: { sessionId: 1, senderId: index + 1, seq: r.seq++, sentAtMs: 0 }, message: a.message } });
    }
  };
  for (let i = 0; i < receivers.length; i++) onSender(sender.handle({ type: 'register', receiverId: i + 1 }, 0));

  let nextSendAt = 0;
  let nextTickAt = 0;
  while (now < o.durationMs) {
    let t = Math.min(nextSendAt, nextTickAt, nextBinMs);
    if (uHead < ucast.length) t = Math.min(t, (ucast[uHead] as { at: number }).at);
    for (const r of receivers) if (r.head < r.inbox.length) t = Math.min(t, (r.inbox[r.head] as { at: number }).at);
    now = t;
    receivers.forEach((r, i) => {
      while (r.head < r.inbox.length && (r.inbox[r.head] as { at: number }).at <= now) {
        const { packet } = r.inbox[r.head++] as { packet: Packet };
        if (r.gone) continue;
        if (packet.message.type === 'data') r.received += packet.message.payload.length;
        onReceiver(r, i, r.engine.handle({ type: 'packet', packet }, now + r.clockOffsetMs));
      }
      if (r.head > 4096) {
        r.inbox.splice(0, r.head);
        r.head = 0;
      }
    });
    while (uHead < ucast.length && (ucast[uHead] as { at: number }).at <= now) {
      onSender(sender.handle({ type: 'packet', packet: (ucast[uHead++] as { packet: Packet<ControlMessage> }).packet }, now));
    }
    if (now >= nextTickAt) {
      nextTickAt = now + 1;
      receivers.forEach((r, i) => {
        if (!r.gone) onReceiver(r, i, r.engine.tick(now + r.clockOffsetMs));
      });
      onSender(sender.tick(now));
    }
    if (now >= nextSendAt) {
      const pick = sender.nextData(now);
      if (!pick) nextSendAt = nextTickAt;
      else {
        const bytes = o.symbolSize + OVERHEAD;
        multicast({ type: 'data', block: pick.block, symbol: pick.symbol, k: pick.k, payload: zeros }, bytes);
        binBytes += bytes;
        nextSendAt = now + (bytes / sender.rateBytesPerSec) * 1000;
      }
    }
    if (now >= nextBinMs) {
      bins.push({ startMs: nextBinMs - BIN_MS, rateBytesPerSec: sender.rateBytesPerSec, sentBytes: binBytes });
      binBytes = 0;
      nextBinMs += BIN_MS;
    }
  }
  return { bins, serverDrops: server.drops, receiverDrops: receivers.map((r) => r.hop.drops), received: receivers.map((r) => r.received), kicked };
}

/** The receivers' codec for all-zero blocks: rebuilding any of their symbols gives zeros. */
function zeroCodec(symbolSize: number): ReedSolomon {
  const zeros = new Uint8Array(symbolSize);
  const codec: Pick<ReedSolomon, 'decode' | 'symbolSize'> = { symbolSize, decode: (k) => Array.from({ length: k }, () => zeros) };
  return codec as ReedSolomon;
}

/** Mean datagram bytes/s the sender sent over [fromMs, toMs) (whole bins). */
export function sentRate(result: BottleneckSimResult, fromMs: number, toMs: number): number {
  const bins = result.bins.filter((b) => b.startMs >= fromMs && b.startMs + BIN_MS <= toMs);
  return (bins.reduce((n, b) => n + b.sentBytes, 0) * 1000) / (bins.length * BIN_MS);
}
