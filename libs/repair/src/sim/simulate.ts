// A seeded, single-process simulator: one SenderEngine, N ReceiverEngines, an in-memory network
// with per-receiver loss (independent or Gilbert-Elliott), one-way delay and link rates, all on a
// virtual clock. The same seed replays the same run bit for bit.
import type { ControlMessage, Envelope, Message, Packet } from '@castpoint/wire';
import { BufferPool } from '../engine/buffer-pool';
import { ReceiverEngine, type ReceiverAction } from '../engine/receiver';
import { SenderEngine, type SenderAction, type SenderStats } from '../engine/sender';
import { DEFAULT_INTERLEAVE, uniformLayout } from '../engine/layout';
import type { SlowPolicy } from '../engine/rate-control';
import { RepairError } from '../errors';
import { seededRng } from '../rng';
import { ReedSolomon } from '../rs/reed-solomon';
import { gilbertElliottLoss, independentLoss, type LossModel } from './loss';
import { RogueReceiver, type RogueSpec } from './rogue';

export type { RogueSpec } from './rogue';

export interface SimReceiverSpec {
  /** Virtual time it joins (registers and starts listening). @default 0 */
  readonly joinAtMs?: number;
  /** Virtual time it vanishes (stops listening and talking, without leaving). */
  readonly vanishAtMs?: number;
  /** Its own downlink rate, bytes/s (a slow receiver). @default the link rate */
  readonly downBytesPerSec?: number;
  /** Its own long-run loss (0..1), in place of SimOptions.loss. */
  readonly loss?: number;
  /** An insider that NACKs everything and lies in its status (see rogue.ts); never completes. */
  readonly rogue?: RogueSpec;
  /**
   * A window of virtual time [fromMs, toMs) in which it drops every multicast packet, as a
   * CPU-starved agent whose socket buffer overflows does (issue 21.6: on a box at load ~12 the
   * clean agents' early reports carried such losses and cut the rate before the slow one's did).
   */
  readonly starved?: { readonly fromMs: number; readonly toMs: number };
}

export interface SimOptions {
  readonly seed: number;
  readonly receivers: number;
  /** Image size in bytes. @default 4 MiB */
  readonly imageBytes?: number;
  /** @default 1400 */
  readonly symbolSize?: number;
  /** @default 64 */
  readonly blockSymbols?: number;
  /** Long-run loss per receiver link (0..1). @default 0 */
  readonly loss?: number;
  /** Gilbert-Elliott bursts instead of independent loss. @default false */
  readonly bursty?: boolean;
  /** Mean burst length in packets for bursty loss. @default 8 */
  readonly burstPackets?: number;
  /** Link rate, bytes/s (also the sender's rate cap). @default 125e6 (1 Gbit/s) */
  readonly linkBytesPerSec?: number;
  /** One-way delay, ms. @default 1 */
  readonly delayMs?: number;
  /** Per-receiver overrides by index. */
  readonly special?: Readonly<Record<number, SimReceiverSpec>>;
  readonly slowPolicy?: SlowPolicy;
  /** Give up after this much virtual time. @default 120000 */
  readonly maxSimMs?: number;
  /** Engine tick period, ms. @default 1 */
  readonly tickMs?: number;
  /** Sender drops receivers silent this long. @default 5000 */
  readonly silentTimeoutMs?: number;
  /** Receivers' status period. @default 1000 */
  readonly statusIntervalMs?: number;
  /** Interleaving depth of both engines. @default 32 (DEFAULT_INTERLEAVE) */
  readonly interleave?: number;
  /**
   * Give every receiver a BufferPool and hand each block's buffer back once checked, scribbled
   * over (0xee), as the agent recycles them: a buffer reused while still in use, or a stale byte
   * left in a reused one, shows up as a mismatch. @default false
   */
  readonly recycleBuffers?: boolean;
  /** Hold new data (the sender's await-joiners) from time 0 until this many receivers were heard. */
  readonly awaitJoiners?: { readonly count: number; readonly graceMs: number };
}

export interface SimReceiverResult {
  readonly index: number;
  readonly blocksVerified: number;
  readonly mismatches: number;
  readonly complete: boolean;
  readonly vanished: boolean;
  readonly kicked?: string;
  /** Virtual time the slow policy moved it out (demote or fallback). */
  readonly kickedAtMs?: number;
  readonly nacksSent: number;
  /** Virtual time its last block was delivered and verified (undefined if it never was). */
  readonly completedAtMs?: number;
}

export interface SimResult {
  readonly seed: number;
  readonly receivers: number;
  readonly imageBytes: number;
  readonly totalBlocks: number;
  readonly loss: number;
  readonly bursty: boolean;
  readonly finished: boolean;
  readonly completionMs: number;
  readonly idealMs: number;
  readonly dataPackets: number;
  readonly repairPackets: number;
  /** Repair bytes / image bytes. */
  readonly overhead: number;
  readonly nackPackets: number;
  readonly statusPackets: number;
  readonly echoPackets: number;
  readonly nacksPerDataPacket: number;
  readonly reportsPerDataPacket: number;
  readonly nacksPerBlock: number;
  readonly peakSenderState: number;
  readonly grttMs: number;
  readonly finalRateBytesPerSec: number;
  /** Lowest pacing rate the sender chose during the run. */
  readonly minRateBytesPerSec: number;
  readonly senderActions: Readonly<Record<string, number>>;
  readonly dropped: readonly { index: number; reason: string }[];
  /** Control packets the sender's gate dropped (spoofed, unknown id, replayed). */
  readonly droppedControl: SenderStats['droppedControl'];
  /** Virtual time the first data packet went out. */
  readonly firstDataMs: number | undefined;
  readonly results: readonly SimReceiverResult[];
}

const HEADER_BYTES = 48; // IP + UDP + castpoint header + auth tag, roughly
const SENDER_ID = 0x80000001;

interface SimReceiver {
  readonly index: number;
  readonly id: number;
  readonly engine: ReceiverEngine;
  readonly loss: LossModel;
  readonly upLoss: LossModel;
  readonly spec: SimReceiverSpec;
  readonly rogue: RogueReceiver | undefined;
  joined: boolean;
  gone: boolean;
  finished: boolean;
  kicked?: string;
  kickedAtMs?: number;
  verified: number;
  mismatches: number;
  completedAtMs: number | undefined;
  /** Own downlink queue for slow receivers: arrival times and packets. */
  busyUntil: number;
  queue: { at: number; packet: Packet }[];
  /** Its control packets' seq: the sender drops a seq it has seen. */
  seq: bigint;
}

/** Runs one simulated session to the end (or maxSimMs) and returns its figures. */
export function simulate(options: SimOptions): SimResult {
  const o = {
    imageBytes: 4 << 20, symbolSize: 1400, blockSymbols: 64, loss: 0, bursty: false, burstPackets: 8,
    linkBytesPerSec: 125e6, delayMs: 1, special: {}, slowPolicy: { kind: 'same-speed' } as SlowPolicy,
    maxSimMs: 120_000, tickMs: 1, silentTimeoutMs: 5000, statusIntervalMs: 1000, interleave: DEFAULT_INTERLEAVE, ...options,
  };
  if (!(o.receivers >= 1) || !(o.loss >= 0 && o.loss < 1) || !(o.imageBytes > 0) || !(o.tickMs > 0)) {
    throw new RepairError('REPAIR_BAD_OPTIONS', 'simulator needs receivers >= 1, 0 <= loss < 1, imageBytes > 0, tickMs > 0', { ...o });
  }
  const master = seededRng(o.seed);
  const seedOf = (): number => Math.floor(master() * 2 ** 32);
  const image = new Uint8Array(o.imageBytes);
  const imageRng = seededRng(seedOf());
  for (let i = 0; i < image.length; i += 4) {
    const v = Math.floor(imageRng() * 2 ** 32);
    image[i] = v;
    image[i + 1] = v >>> 8;
    image[i + 2] = v >>> 16;
    image[i + 3] = v >>> 24;
  }
  const layout = uniformLayout(o.imageBytes, o.symbolSize, o.blockSymbols);
  const blockBytes = o.symbolSize * o.blockSymbols;
  const rs = new ReedSolomon(o.symbolSize);
  const sender = new SenderEngine({
    sessionId: 1, layout, symbolSize: o.symbolSize, maxRateBytesPerSec: o.linkBytesPerSec, rng: seededRng(seedOf()),
    slowPolicy: o.slowPolicy, silentTimeoutMs: o.silentTimeoutMs, interleave: o.interleave,
  });
  const receivers: SimReceiver[] = [];
  const pools = Array.from({ length: o.receivers }, () => (o.recycleBuffers ? new BufferPool(8) : undefined));
  for (let i = 0; i < o.receivers; i++) {
    const spec = (o.special as Record<number, SimReceiverSpec>)[i] ?? {};
    const lossRng = seededRng(seedOf());
    const loss = spec.loss ?? o.loss;
    receivers.push({
      index: i, id: i + 1, spec,
      rogue: spec.rogue ? new RogueReceiver(spec.rogue.spoofIndex === undefined ? i + 1 : spec.rogue.spoofIndex + 1, layout.totalBlocks, spec.rogue, o.statusIntervalMs, o.linkBytesPerSec) : undefined,
      engine: new ReceiverEngine({ receiverId: i + 1, layout, symbolSize: o.symbolSize, rng: seededRng(seedOf()), statusIntervalMs: o.statusIntervalMs, interleave: o.interleave, codec: rs, ...(pools[i] ? { pool: pools[i] } : {}) }),
      loss: o.bursty ? gilbertElliottLoss(loss, o.burstPackets, lossRng) : independentLoss(loss, lossRng),
      upLoss: independentLoss(loss, seededRng(seedOf())),
      joined: false, gone: false, finished: false, verified: 0, mismatches: 0, completedAtMs: undefined, busyUntil: 0, queue: [], seq: 1n,
    });
  }
  const byId = new Map(receivers.map((r) => [r.id, r]));

  let now = 0;
  let seq = 0n;
  const mcast: { at: number; packet: Packet }[] = [];
  let mHead = 0;
  const ucast: { at: number; packet: Packet<ControlMessage> }[] = [];
  let uHead = 0;
  const counts = { data: 0, repair: 0, nack: 0, status: 0, echo: 0 };
  const senderActions: Record<string, number> = {};
  const dropped: { index: number; reason: string }[] = [];
  let finishedAt: number | undefined;
  let minRate = Infinity;
  const envelope = (senderId: number): Envelope => ({ sessionId: 1, senderId, seq: seq++, sentAtMs: now >>> 0 });
  const multicast = (message: Message): void => {
    mcast.push({ at: now + o.delayMs, packet: { envelope: envelope(SENDER_ID), message } });
  };
  const onSender = (actions: SenderAction[]): void => {
    for (const a of actions) {
      senderActions[a.type] = (senderActions[a.type] ?? 0) + 1;
      if (a.type === 'send') multicast(a.message);
      else if (a.type === 'finished') finishedAt ??= now;
      else if (a.type === 'rate') minRate = Math.min(minRate, a.rateBytesPerSec);
      else if (a.type === 'drop') dropped.push({ index: (byId.get(a.receiverId)?.index ?? -1), reason: a.reason });
      else if (a.type === 'demote' || a.type === 'fallback') {
        const r = byId.get(a.receiverId);
        if (r) {
          r.kicked = a.type;
          r.kickedAtMs = now;
        }
      }
    }
  };
  const upstream = (r: SimReceiver, message: ControlMessage): void => {
    const t = message.type;
    if (t === 'nack') counts.nack++;
    else if (t === 'status') counts.status++;
    else if (t === 'probe-echo') counts.echo++;
    if (r.upLoss()) return;
    const packet = { envelope: { sessionId: 1, senderId: r.id, seq: r.seq++, sentAtMs: now >>> 0 }, message };
    ucast.push({ at: now + o.delayMs, packet });
    if (r.rogue?.replays) ucast.push({ at: now + o.delayMs, packet });
  };
  const onReceiver = (r: SimReceiver, actions: ReceiverAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') {
        // A rogue's engine still receives (it is in the group) but says only what the rogue says.
        if (!r.rogue || a.message.type === 'probe-echo') upstream(r, a.message);
      } else if (a.type === 'block') {
        const start = a.block * blockBytes;
        const expected = image.subarray(start, Math.min(image.length, start + a.data.length));
        const got = a.data.subarray(0, expected.length);
        const padOk = a.data.subarray(expected.length).every((x) => x === 0);
        if (padOk && Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.length), Buffer.from(expected.buffer, expected.byteOffset, expected.length)) === 0) r.verified++;
        else r.mismatches++;
        if (r.verified === layout.totalBlocks) r.completedAtMs ??= now;
        const pool = pools[r.index];
        if (pool) {
          a.data.fill(0xee);
          pool.give(a.data);
        }
      } else if ((a.type === 'finished' || a.type === 'kicked') && !r.rogue) r.finished = true;
    }
  };
  const deliver = (r: SimReceiver, packet: Packet): void => {
    if (!r.joined || r.gone) return;
    onReceiver(r, r.engine.handle({ type: 'packet', packet }, now));
  };
  const sourcesOf = (block: number, k: number): Uint8Array[] =>
    Array.from({ length: k }, (_, j) => {
      const start = block * blockBytes + j * o.symbolSize;
      return image.subarray(start, Math.min(image.length, start + o.symbolSize));
    });

  let nextSendAt = 0;
  let firstDataMs: number | undefined;
  if (o.awaitJoiners) onSender(sender.handle({ type: 'await-joiners', ...o.awaitJoiners }, 0));
  let nextTickAt = 0;
  const allDone = (): boolean => receivers.every((r) => r.gone || r.finished || r.kicked !== undefined || (r.rogue !== undefined && finishedAt !== undefined));
  while (now <= o.maxSimMs) {
    // Next event time: the earliest of send, tick, multicast and unicast arrivals, slow queues.
    let t = Math.min(nextSendAt, nextTickAt);
    if (mHead < mcast.length) t = Math.min(t, (mcast[mHead] as { at: number }).at);
    if (uHead < ucast.length) t = Math.min(t, (ucast[uHead] as { at: number }).at);
    for (const r of receivers) if (r.queue.length > 0) t = Math.min(t, (r.queue[0] as { at: number }).at);
    now = t;
    while (mHead < mcast.length && (mcast[mHead] as { at: number }).at <= now) {
      const { packet } = mcast[mHead++] as { packet: Packet };
      const bytes = (packet.message.type === 'data' ? packet.message.payload.length : 64) + HEADER_BYTES;
      for (const r of receivers) {
        if (!r.joined || r.gone || r.loss()) continue;
        if (r.spec.starved && now >= r.spec.starved.fromMs && now < r.spec.starved.toMs) continue;
        if (r.spec.downBytesPerSec === undefined) deliver(r, packet);
        else {
          // A slower downlink: a drop-tail queue of ~256 KB in front of it (like tbf's burst).
          const start = Math.max(now, r.busyUntil);
          if ((start - now) * r.spec.downBytesPerSec / 1000 > 256 * 1024) continue;
          r.busyUntil = start + (bytes / r.spec.downBytesPerSec) * 1000;
          r.queue.push({ at: r.busyUntil, packet });
        }
      }
    }
    if (mHead > 4096) {
      mcast.splice(0, mHead);
      mHead = 0;
    }
    for (const r of receivers) {
      while (r.queue.length > 0 && (r.queue[0] as { at: number }).at <= now) deliver(r, (r.queue.shift() as { packet: Packet }).packet);
    }
    while (uHead < ucast.length && (ucast[uHead] as { at: number }).at <= now) {
      const { packet } = ucast[uHead++] as { packet: Packet<ControlMessage> };
      const r = byId.get(packet.envelope.senderId);
      if (r && !r.gone) onSender(sender.handle({ type: 'packet', packet }, now));
    }
    if (uHead > 4096) {
      ucast.splice(0, uHead);
      uHead = 0;
    }
    if (now >= nextTickAt) {
      nextTickAt = now + o.tickMs;
      for (const r of receivers) {
        const join = r.spec.joinAtMs ?? 0;
        if (!r.joined && now >= join) {
          r.joined = true;
          onSender(sender.handle({ type: 'register', receiverId: r.id }, now));
        }
        if (r.spec.vanishAtMs !== undefined && now >= r.spec.vanishAtMs) r.gone = true;
        if (r.joined && !r.gone && !r.finished) onReceiver(r, r.engine.tick(now));
        if (r.rogue && r.joined && !r.gone && !r.kicked) for (const m of r.rogue.tick(now)) upstream(r, m);
      }
      onSender(sender.tick(now));
    }
    if (now >= nextSendAt) {
      const pick = sender.nextData(now);
      if (!pick) nextSendAt = nextTickAt;
      else {
        const sources = sourcesOf(pick.block, pick.k);
        const payload = pick.symbol < pick.k ? (sources[pick.symbol] as Uint8Array) : (rs.encodeParity(sources, [pick.symbol])[0] as Uint8Array);
        firstDataMs ??= now;
        if (pick.repair) counts.repair++;
        else counts.data++;
        multicast({ type: 'data', block: pick.block, symbol: pick.symbol, k: pick.k, payload });
        nextSendAt = now + ((o.symbolSize + HEADER_BYTES) / Math.min(sender.rateBytesPerSec, o.linkBytesPerSec)) * 1000;
      }
    }
    if (finishedAt !== undefined && allDone() && now - finishedAt > 0) break;
  }
  const stats = sender.stats();
  const results: SimReceiverResult[] = receivers.map((r) => ({
    index: r.index,
    blocksVerified: r.verified,
    mismatches: r.mismatches,
    complete: r.verified === layout.totalBlocks && r.mismatches === 0,
    vanished: r.gone,
    ...(r.kicked !== undefined ? { kicked: r.kicked, kickedAtMs: r.kickedAtMs } : {}),
    nacksSent: r.engine.stats().nacksSent,
    ...(r.completedAtMs !== undefined ? { completedAtMs: r.completedAtMs } : {}),
  }));
  const dataPackets = counts.data + counts.repair;
  return {
    seed: o.seed, receivers: o.receivers, imageBytes: o.imageBytes, totalBlocks: layout.totalBlocks, loss: o.loss, bursty: o.bursty,
    finished: finishedAt !== undefined,
    completionMs: finishedAt ?? now,
    idealMs: (o.imageBytes / o.linkBytesPerSec) * 1000,
    dataPackets,
    repairPackets: counts.repair,
    overhead: (counts.repair * o.symbolSize) / o.imageBytes,
    nackPackets: counts.nack,
    statusPackets: counts.status,
    echoPackets: counts.echo,
    nacksPerDataPacket: counts.nack / dataPackets,
    reportsPerDataPacket: (counts.nack + counts.status + counts.echo) / dataPackets,
    nacksPerBlock: counts.nack / layout.totalBlocks,
    peakSenderState: stats.peakStateEntries,
    grttMs: stats.grttMs,
    finalRateBytesPerSec: stats.rateBytesPerSec,
    minRateBytesPerSec: Math.min(minRate, stats.rateBytesPerSec),
    senderActions,
    dropped,
    droppedControl: stats.droppedControl,
    firstDataMs,
    results,
  };
}

