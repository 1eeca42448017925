// The sender side of flow specs: libs/repair's SenderEngine, driven the way the DP's session
// runner (apps/dp-server/src/sessions/udp-runner.ts) drives it: registered receivers, a tick every
// 10 ms, control packets through the engine's gate, announces and kicks signed with the DP key,
// data framed only when the paced loop (libs/transport runPaced) lets it go. Symbols come from the
// image bytes in memory (source symbols, parity via ReedSolomon) instead of the DP's image file.
// Hostile cases are written as tampering of its real packets (tamper-socket.ts), not as a second
// implementation of the protocol.
import { BlockLayout } from '@castpoint/chunking';
import { ReedSolomon, SenderEngine, seededRng, type DataPick, type SenderAction } from '@castpoint/repair';
import { PACED_IDLE, runPaced, type Clock, type MemoryNetwork, type PacedRun, type PeerAddress } from '@castpoint/transport';
import {
  createSessionKey,
  decodePacket,
  encodePacket,
  isControlPacket,
  type AnnounceMessage,
  type KickMessage,
  type KickReason,
  type Manifest,
  type SessionInfo,
  type SessionKey,
} from '@castpoint/wire';
import { TEST_DP_KEY } from './dp-key';
import { NO_TAMPER, tamperSocket, type Tamper, type TamperSocket } from './tamper-socket';

/** The DP's sender id in flow specs (0x80000000 | epoch, as the DP's). */
export const TEST_DP_SENDER_ID = 0x80000001;
const TICK_MS = 10;

export interface EngineSenderOptions {
  readonly net: MemoryNetwork;
  /** The runs' time (the harness's VirtualClock). */
  readonly clock: Clock;
  readonly session: SessionInfo;
  readonly image: Uint8Array;
  readonly manifest: Manifest;
  /** Receiver ids the (fake) DP registered in this session; more with addReceiver(). */
  readonly receivers?: readonly number[];
  /**
   * Holds new data until this many registered receivers have spoken (the engine's await-joiners,
   * as a DP's scheduled start does), so that the first pass reaches an agent whole instead of
   * going out before its socket is open. @default 0 (no hold)
   */
  readonly holdForJoiners?: number;
  /** The hostile seam: what happens to each packet on its way out or in. @default pass all */
  readonly tamper?: Tamper;
  /** Rate cap, bytes/s. @default 4 MB/s (an image of a flow spec takes a few ms of virtual time) */
  readonly rateBytesPerSec?: number;
}

export class EngineSender {
  /** Data packets that went on the wire (after the tamper hook), in order. */
  readonly sentData: { block: number; symbol: number }[] = [];
  /** Types of the control packets that reached the sender (after the tamper hook). */
  readonly controlTypes: string[] = [];
  private readonly layout: BlockLayout;
  private readonly key: SessionKey;
  private readonly engine: SenderEngine;
  private readonly group: PeerAddress;
  private readonly origin: number;
  private readonly parity = new Map<number, Uint8Array[]>();
  private sock: TamperSocket | undefined;
  private close: (() => Promise<void>) | undefined;
  private run: PacedRun | undefined;
  private cancelTick: (() => void) | undefined;
  private seq = 0n;
  private stopped = false;

  constructor(private readonly o: EngineSenderOptions) {
    const s = o.session;
    this.layout = new BlockLayout(o.manifest, { symbolSize: s.symbolSize, blockSymbols: s.blockSymbols });
    this.key = createSessionKey(new Uint8Array(Buffer.from(s.key, 'base64')), s.encrypted);
    this.group = { address: s.group, port: s.port };
    this.origin = o.clock.now();
    this.engine = new SenderEngine({
      sessionId: s.id,
      layout: this.layout,
      symbolSize: s.symbolSize,
      maxRateBytesPerSec: o.rateBytesPerSec ?? 4_000_000,
      rng: seededRng(s.id),
    });
  }

  async start(): Promise<this> {
    const s = this.o.session;
    const ep = await this.o.net.open({ address: s.senderAddress, port: s.senderPort, multicast: { interface: s.senderAddress } });
    this.close = () => ep.close();
    this.sock = tamperSocket(ep, this.key, s.id, this.o.tamper ?? NO_TAMPER);
    this.sock.onDatagram((d) => this.onDatagram(d.bytes));
    if (this.o.holdForJoiners) this.apply(this.engine.handle({ type: 'await-joiners', count: this.o.holdForJoiners, graceMs: 60_000 }, this.nowMs()));
    for (const r of this.o.receivers ?? []) this.addReceiver(r);
    this.run = runPaced<DataPick>({
      rateBitsPerSec: (this.o.rateBytesPerSec ?? 4_000_000) * 8,
      clock: this.o.clock,
      next: () => (this.stopped ? undefined : (this.engine.nextData(this.nowMs()) ?? PACED_IDLE)),
      send: (pick, done) => {
        this.sendData(pick);
        done();
      },
    });
    const tick = (): void => {
      this.cancelTick = this.o.clock.schedule(tick, TICK_MS);
      this.apply(this.engine.tick(this.nowMs()));
    };
    this.cancelTick = this.o.clock.schedule(tick, TICK_MS);
    this.run.wake();
    return this;
  }

  /** The DP registered `receiverId` in this session (its join reply). */
  addReceiver(receiverId: number): void {
    this.apply(this.engine.handle({ type: 'register', receiverId }, this.nowMs()));
  }

  /** Removes every receiver not done with a signed kick, as the DP's runner does when it closes a session with one. */
  kick(reason: KickReason, detail: string): void {
    for (const r of this.engine.stats().receivers) {
      if (r.state === 'done') continue;
      this.sendControl({ type: 'kick', receiverId: r.receiverId, reason, detail });
      this.apply(this.engine.handle({ type: 'unregister', receiverId: r.receiverId }, this.nowMs()));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    this.run?.stop();
    await this.close?.();
  }

  private nowMs(): number {
    return this.o.clock.now() - this.origin;
  }

  private onDatagram(bytes: Uint8Array): void {
    if (this.stopped) return;
    const r = decodePacket(bytes, this.key, { sessionId: this.o.session.id });
    if (!r.ok || !isControlPacket(r.packet)) return;
    const m = r.packet.message;
    this.controlTypes.push(m.type);
    if (m.type === 'announce' || m.type === 'kick') return;
    this.apply(this.engine.handlePacket(r.packet, this.nowMs()).actions);
    this.run?.wake();
  }

  private apply(actions: readonly SenderAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.sendControl(a.message);
      else if (a.type === 'rate') this.run?.setRate(Math.max(1000, a.rateBytesPerSec) * 8);
    }
    this.run?.wake();
  }

  private envelope() {
    return { sessionId: this.o.session.id, senderId: TEST_DP_SENDER_ID, seq: this.seq++, sentAtMs: Math.floor(this.o.clock.now()) % 2 ** 32 };
  }

  private sendControl(message: AnnounceMessage | KickMessage): void {
    if (this.stopped) return;
    this.sock?.send(encodePacket(this.envelope(), message, this.key, { signer: TEST_DP_KEY.privateKey }), this.group);
  }

  private sendData(pick: DataPick): void {
    if (this.stopped) return;
    const payload = this.symbol(pick.block, pick.symbol);
    this.sentData.push({ block: pick.block, symbol: pick.symbol });
    this.sock?.send(encodePacket(this.envelope(), { type: 'data', block: pick.block, symbol: pick.symbol, k: pick.k, payload }, this.key), this.group);
  }

  /** Symbol `symbol` of `block`: a source symbol from the image (the last zero-padded), or parity. */
  private symbol(block: number, symbol: number): Uint8Array {
    const sources = this.sources(block);
    if (symbol < sources.length) return sources[symbol] as Uint8Array;
    let parity = this.parity.get(block);
    if (!parity) {
      const indexes = Array.from({ length: 255 - sources.length }, (_, i) => sources.length + i);
      parity = new ReedSolomon(this.o.session.symbolSize).encodeParity(sources, indexes);
      this.parity.set(block, parity);
    }
    return parity[symbol - sources.length] as Uint8Array;
  }

  private sources(block: number): Uint8Array[] {
    const info = this.layout.blockInfo(block);
    const start = info.chunk * this.layout.chunkSize + info.offsetInChunk;
    const sym = this.o.session.symbolSize;
    return Array.from({ length: info.k }, (_, i) => {
      const payload = new Uint8Array(sym);
      payload.set(this.o.image.subarray(start + i * sym, Math.min(start + info.length, start + (i + 1) * sym)));
      return payload;
    });
  }
}
