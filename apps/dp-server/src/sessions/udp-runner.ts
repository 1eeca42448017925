// The production session runner: one UDP socket bound to the multicast interface at the session
// port (unicast control in, multicast data/announce/kick out), libs/repair's SenderEngine deciding
// what to send (and which control packets count), libs/transport's runPaced at the engine's rate,
// symbols from the image, packets framed by libs/wire. The socket opener and the clock are
// injected: tests run it over MemoryNetwork on a VirtualClock (udp-runner.spec.ts).
import { makeFingerprint, ChunkSource } from '@castpoint/chunking';
import { SenderEngine, seededRng, type DataPick, type SenderAction } from '@castpoint/repair';
import {
  openUdpSocket,
  realClock,
  runPaced,
  type Clock,
  type Datagram,
  type FrameSender,
  type OpenUdpOptions,
  type PacedRun,
  type PeerAddress,
  type UdpEndpoint,
} from '@castpoint/transport';
import { SESSION_PACING } from './session-pacing';
import {
  createSessionKey,
  DATA_HEADER_SIZE,
  decodePacket,
  DecodeCounters,
  encodePacket,
  isControlPacket,
  TAG_SIZE,
  type AnnounceMessage,
  type KickMessage,
  type KickReason,
  type SessionKey,
} from '@castpoint/wire';
import type { RunnerEvents, RunnerSpec, RunnerStats, SessionRunner } from './runner';
import { SymbolSource } from './symbol-source';
import { DataPackets } from './data-packets';

/** How long a registered agent may take to send its first status (see the engine option). */
export const FIRST_REPORT_TIMEOUT_MS = 20_000;

export interface UdpRunnerOptions {
  /** Engine tick period, ms. @default 10 */
  readonly tickMs?: number;
  /** Sends handed to the socket and not yet completed. @default 64 */
  readonly maxInFlight?: number;
  /** Requested socket send buffer, bytes. @default 4194304 */
  readonly sendBufferSize?: number;
  /** Opens the session's socket. @default openUdpSocket (tests pass a MemoryNetwork's open) */
  readonly openSocket?: (opts: OpenUdpOptions) => Promise<UdpEndpoint>;
  /** Time and timers of the loop. @default realClock() */
  readonly clock?: Clock;
  /**
   * A heard receiver silent this long is dropped (`serve --receiver-silence`); the first report
   * may take FIRST_REPORT_TIMEOUT_MS or this, whichever is longer. @default the engine's (5 s)
   */
  readonly silentTimeoutMs?: number;
}

export function udpRunnerFactory(opts: UdpRunnerOptions = {}) {
  return (spec: RunnerSpec, events: RunnerEvents): SessionRunner => new UdpSessionRunner(spec, events, opts);
}

class UdpSessionRunner implements SessionRunner {
  private sock: UdpEndpoint | undefined;
  private engine: SenderEngine | undefined;
  private symbols: SymbolSource | undefined;
  private run: PacedRun | undefined;
  private readonly clock: Clock;
  private key: SessionKey;
  private readonly counters = new DecodeCounters();
  private readonly group: PeerAddress;
  private readonly kickDetail = new Map<number, string>();
  /** Receivers registered while start() was still opening the image and the socket. */
  private readonly early = new Set<number>();
  /** A hold asked for before the engine exists (start() still opening the image and the socket). */
  private earlyHold: { count: number; untilMs: number } | undefined;
  /** The clock's time at construction: the engine's ms count from here. */
  private readonly originMs: number;
  /** The next packet's sequence number (data and control packets share it). */
  private seq = 0;
  /**
   * Data packets, framed in place into the socket's frames (data-packets.ts): a turn's packets
   * leave as UDP_SEGMENT sends of one system call each, with nothing allocated per packet (issue 29).
   */
  private frames: FrameSender | undefined;
  private data: DataPackets | undefined;
  private cancelTick: (() => void) | undefined;
  private closed = false;
  /** Control packets (announce, kick): data packets are counted by `data`. */
  private controlBytes = 0;
  private controlPackets = 0;
  private controlErrors = 0;

  constructor(
    private readonly spec: RunnerSpec,
    private readonly events: RunnerEvents,
    private readonly o: UdpRunnerOptions,
  ) {
    this.group = { address: spec.group, port: spec.port };
    this.key = createSessionKey(spec.key, spec.encrypted);
    this.clock = o.clock ?? realClock();
    this.originMs = this.clock.now();
  }

  private nowMs(): number {
    return this.clock.now() - this.originMs;
  }

  async start(): Promise<void> {
    const s = this.spec;
    const source = await ChunkSource.open(s.imageFile, s.manifest, makeFingerprint(s.manifest, s.imageMtimeMs), {
      symbolSize: s.symbolSize,
      blockSymbols: s.blockSymbols,
      ...(s.packFile !== undefined ? { packPath: s.packFile } : {}),
      // SymbolSource copies each block out of its chunk into a slab of its own, so chunk buffers
      // are only needed while a block is copied: a few, reused, instead of one per chunk read.
      reuseBuffers: true,
      cacheChunks: 16,
    });
    this.symbols = new SymbolSource(source);
    try {
      this.engine = new SenderEngine({
        sessionId: s.sessionId,
        layout: source.layout,
        symbolSize: s.symbolSize,
        maxRateBytesPerSec: s.rateBytesPerSec,
        ...(s.startAtCap === true ? { initialRateBytesPerSec: s.rateBytesPerSec } : {}),
        slowPolicy: s.slowPolicy,
        // An agent in a preinstall environment (WinPE on an old CPU, an emulated VM) took 5.8-7 s
        // from its request to its first status (the VM lab, docs/netboot.md): 5 s dropped it and it
        // started a second session. Once it has spoken, the usual 5 s silence rule applies.
        firstReportTimeoutMs: Math.max(FIRST_REPORT_TIMEOUT_MS, this.o.silentTimeoutMs ?? 0),
        ...(this.o.silentTimeoutMs !== undefined ? { silentTimeoutMs: this.o.silentTimeoutMs } : {}),
        rng: seededRng(s.sessionId ^ s.senderId),
      });
      this.sock = await (this.o.openSocket ?? openUdpSocket)({
        address: s.interfaceAddress,
        port: s.senderPort,
        multicast: { interface: s.interfaceAddress, ttl: s.ttl, loopback: false },
        // The pacing loop sends a burst per turn: up to 16 data packets, each framed and tagged,
        // leave in one UDP_SEGMENT send (one system call instead of 16; issue 29).
        batchedSends: true,
        sendBufferSize: this.o.sendBufferSize ?? 4 * 1024 * 1024,
        recvBufferSize: 4 * 1024 * 1024,
      });
      this.frames = this.sock.frameSender(DATA_HEADER_SIZE + s.symbolSize + TAG_SIZE, this.group);
    } catch (err) {
      await this.sock?.close();
      await this.symbols.close();
      throw err;
    }
    this.data = new DataPackets({
      engine: this.engine,
      symbols: this.symbols,
      frames: this.frames,
      key: this.key,
      sessionId: s.sessionId,
      senderId: s.senderId,
      symbolSize: s.symbolSize,
      nextSeq: () => this.seq++,
      nowMs: () => this.nowMs(),
      sentAtMs: () => this.sentAtMs(),
      closed: () => this.closed,
      wake: () => this.run?.wake(),
      fail: (err) => this.fail(err),
    });
    this.run = this.startPacing(this.data);
    const now = this.nowMs();
    if (this.earlyHold) this.engine.handle({ type: 'await-joiners', count: this.earlyHold.count, graceMs: Math.max(0, this.earlyHold.untilMs - now) }, now);
    for (const r of new Set([...s.receivers, ...this.early])) {
      this.apply(this.engine.handle({ type: 'register', receiverId: r }, now));
    }
    this.early.clear();
    this.sock.readable.on('data', (d: Datagram) => this.onDatagram(d));
    this.sock.readable.on('error', (err: Error) => this.fail(err));
    const tickMs = this.o.tickMs ?? 10;
    const tick = (): void => {
      this.cancelTick = this.clock.schedule(tick, tickMs);
      this.onTick();
    };
    this.cancelTick = this.clock.schedule(tick, tickMs);
    this.run.wake();
  }

  addReceiver(receiverId: number): void {
    this.guard(() => {
      if (this.closed) return;
      if (!this.engine) {
        this.early.add(receiverId);
        return;
      }
      this.apply(this.engine.handle({ type: 'register', receiverId }, this.nowMs()));
      this.run?.wake();
    });
  }

  awaitJoiners(count: number, graceMs: number): void {
    this.guard(() => {
      const now = this.nowMs();
      if (this.engine) this.apply(this.engine.handle({ type: 'await-joiners', count, graceMs }, now));
      else this.earlyHold = { count, untilMs: now + graceMs };
    });
  }

  removeReceiver(receiverId: number): void {
    this.guard(() => {
      this.kickDetail.delete(receiverId);
      this.early.delete(receiverId);
      if (!this.engine || this.closed) return;
      this.apply(this.engine.handle({ type: 'unregister', receiverId }, this.nowMs()));
    });
  }

  stats(): RunnerStats {
    const e = this.engine?.stats();
    return {
      bytesSent: this.controlBytes + (this.data?.bytes ?? 0),
      packetsSent: this.controlPackets + (this.data?.packets ?? 0),
      dataPackets: this.data?.dataPackets ?? 0,
      repairPackets: this.data?.repairPackets ?? 0,
      nacksReceived: e?.nacksReceived ?? 0,
      badPackets: this.counters.rejected,
      controlErrors: this.controlErrors,
      unknownReceiverPackets: e?.droppedControl.unknown ?? 0,
      refusedRepairSymbols: e?.refusedRepairSymbols ?? 0,
      rateBytesPerSec: e?.rateBytesPerSec ?? this.spec.rateBytesPerSec,
      grttMs: e?.grttMs ?? 0,
      framesAllocated: this.frames?.framesAllocated ?? 0,
      ...(this.frames ? { sendPath: this.frames.mode, sendRetries: this.frames.retries } : {}),
      ...(this.frames?.fallback !== undefined ? { sendFallback: this.frames.fallback } : {}),
    };
  }

  async close(kick?: { reason: KickReason; detail: string }): Promise<void> {
    if (this.closed) return;
    if (!kick && this.engine?.isFinished && this.sock) {
      // Tell receivers that have not noticed yet that the session is complete (the engine
      // announces at once after finishing), then stop.
      for (const a of this.engine.tick(this.nowMs())) if (a.type === 'send') await this.sendControl(a.message).catch(() => undefined);
    }
    if (kick && this.engine && this.sock) {
      for (const r of this.engine.stats().receivers) {
        if (r.state !== 'done') await this.sendControl({ type: 'kick', receiverId: r.receiverId, reason: kick.reason, detail: kick.detail }).catch(() => undefined);
      }
    }
    this.closed = true;
    this.cancelTick?.();
    this.run?.stop();
    await this.sock?.close();
    await this.symbols?.close();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    queueMicrotask(() => this.events.failed(err));
  }

  private onTick(): void {
    this.guard(() => {
      if (!this.engine || this.closed) return;
      this.apply(this.engine.tick(this.nowMs()));
      this.run?.wake();
    });
  }

  private onDatagram(d: Datagram): void {
    this.guard(() => this.handleDatagram(d));
  }

  private handleDatagram(d: Datagram): void {
    if (!this.engine || this.closed) return;
    const r = this.counters.record(decodePacket(d.bytes, this.key, { sessionId: this.spec.sessionId }));
    if (!r.ok || !isControlPacket(r.packet)) return;
    const { message } = r.packet;
    if (message.type === 'announce' || message.type === 'kick') return;
    // The engine's gate decides whether the packet counts (sender id, registration, replay).
    const { accepted, actions } = this.engine.handlePacket(r.packet, this.nowMs());
    this.apply(actions);
    if (!accepted) return;
    if (message.type === 'status') {
      const report = { state: message.state, blocksDone: message.blocksDone, totalBlocks: message.totalBlocks, rateBps: message.rateBps, lossPpm: message.lossPpm };
      queueMicrotask(() => this.events.status(message.receiverId, report));
    } else if (message.type === 'leave') {
      const reason = message.reason;
      if (reason !== 'complete') queueMicrotask(() => this.events.left(message.receiverId, reason));
    }
    this.run?.wake();
  }

  /** Carries out the engine's decisions. Manager callbacks run after the current engine call returns. */
  private apply(actions: readonly SenderAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          if (a.message.type === 'kick') this.kickDetail.set(a.message.receiverId, a.message.detail);
          // A control packet that cannot be encoded (an engine/wire disagreement) is skipped and
          // counted: the next announce carries the same facts, and the session goes on.
          this.sendControl(a.message).catch(() => this.controlErrors++);
          break;
        case 'rate':
          // The engine speaks bytes per second, the pacer bits per second.
          this.run?.setRate(Math.max(1000, a.rateBytesPerSec) * 8);
          break;
        case 'demote':
        case 'fallback': {
          const reason: KickReason = a.type === 'demote' ? 'tier' : 'fallback';
          const detail = this.kickDetail.get(a.receiverId) ?? reason;
          queueMicrotask(() => this.events.kicked(a.receiverId, reason, detail));
          break;
        }
        case 'drop':
          if (a.reason !== 'kicked') queueMicrotask(() => this.events.left(a.receiverId, a.reason === 'silent' ? 'inactive' : 'cancelled'));
          break;
        case 'receiver-done': {
          const total = this.symbols?.layout.totalBlocks ?? 0;
          queueMicrotask(() => this.events.status(a.receiverId, { state: 'done', blocksDone: total, totalBlocks: total, rateBps: 0, lossPpm: 0 }));
          break;
        }
        case 'finished':
          // Delivered later, so it may be stale: a receiver that joined meanwhile un-finishes it.
          queueMicrotask(() => {
            if (this.engine?.isFinished) this.events.finished();
          });
          break;
      }
    }
  }

  private envelope(): { sessionId: number; senderId: number; seq: bigint; sentAtMs: number } {
    const seq = BigInt(this.seq++);
    return { sessionId: this.spec.sessionId, senderId: this.spec.senderId, seq, sentAtMs: this.sentAtMs() };
  }

  /** The header's send time: the clock's ms, modulo 2^32. */
  private sentAtMs(): number {
    return Math.floor(this.clock.now()) % 0x100000000;
  }

  private sendControl(message: AnnounceMessage | KickMessage): Promise<void> {
    if (!this.sock || this.closed) return Promise.resolve();
    let bytes: Uint8Array;
    try {
      // Announces and kicks decide agents' fate: signed, so that no agent of the session can forge them.
      bytes = encodePacket(this.envelope(), message, this.key, { signer: this.spec.signer });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.controlBytes += bytes.length;
    this.controlPackets++;
    return this.sock.send(bytes, this.group);
  }

  /** Runs one step of the loop; an error there fails this session, never the whole DP. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /**
   * The send loop (libs/transport runPaced at the engine's rate): it asks for the next data packet,
   * idles when there is none (ticks, NACKs, registrations and loaded blocks wake it) and frames a
   * packet only once the pacer lets it go. A send error fails this session.
   */
  private startPacing(data: DataPackets): PacedRun {
    const run = runPaced<DataPick>({
      // The engine's first rate: the cap when the spec says startAtCap, else a fraction of it that
      // its rate law probes up from.
      rateBitsPerSec: (this.engine?.rateBytesPerSec ?? this.spec.rateBytesPerSec) * 8,
      ...SESSION_PACING,
      maxInFlight: this.o.maxInFlight ?? 64,
      clock: this.clock,
      next: () => data.next(),
      sizeOf: () => data.packetSize,
      send: (pick, done) => data.send(pick, done),
    });
    run.done.catch((err: unknown) => this.fail(err as Error));
    return run;
  }
}
