// A tiny multicast sender for flow tests over MemoryNetwork: sends every block's source symbols
// when a receiver first speaks, answers NACKs with the blocks again (or parity), can kick. Not the DP's engine: just
// enough protocol to exercise the agent end to end in one process.
import { BlockLayout } from '@castpoint/chunking';
import { ReedSolomon } from '@castpoint/repair';
import { createSessionKey, decodePacket, encodePacket, signingKeyFromSeed, type KickReason, type Message, type SessionInfo } from '@castpoint/wire';
import type { Datagram, MemoryNetwork, UdpEndpoint } from '@castpoint/transport';

/** The test DP's signing key: sessions of flow tests carry its public key, MiniSender signs with it. */
export const TEST_DP_KEY = signingKeyFromSeed(new Uint8Array(32).fill(0x5d));

export interface MiniSenderOptions {
  readonly net: MemoryNetwork;
  readonly session: SessionInfo;
  readonly image: Uint8Array;
  readonly manifest: ConstructorParameters<typeof BlockLayout>[0];
  /** Send only blocks below this on the first pass (the rest never: to test fallback). @default all */
  readonly sendBlocksBelow?: number;
  /** After the first pass, kick every receiver with this reason. */
  readonly kickAfterPass?: KickReason;
  /** Never send anything (a group that does not reach the client). */
  readonly silent?: boolean;
  /** Send this block with wrong (but authenticated) bytes the first time: the chunk fails its hash. */
  readonly corruptFirstSendOf?: number;
  /** Send this block with wrong (but authenticated) bytes every time (an insider forging it, or a bad image). */
  readonly corruptAlways?: number;
  /**
   * Act as an insider too: before the data, forge a kick (reason fail) and a finished announce with
   * the session key alone, as any agent of the session could. Agents must drop both (unsigned).
   */
  readonly forgeControl?: boolean;
  /** Answer a NACK entry with as many parity symbols as it needs, not the block's source again. */
  readonly repairWithParity?: boolean;
}

export class MiniSender {
  readonly receivers = new Set<number>();
  readonly controlTypes: string[] = [];
  private ep: UdpEndpoint | undefined;
  private seq = 0n;
  private readonly layout: BlockLayout;
  private readonly key;
  private corrupted = false;

  constructor(private readonly o: MiniSenderOptions) {
    this.layout = new BlockLayout(o.manifest, { symbolSize: o.session.symbolSize, blockSymbols: o.session.blockSymbols });
    this.key = createSessionKey(new Uint8Array(Buffer.from(o.session.key, 'base64')), o.session.encrypted);
  }

  async start(): Promise<void> {
    const s = this.o.session;
    this.ep = await this.o.net.open({ address: s.senderAddress, port: s.senderPort, multicast: { interface: s.senderAddress } });
    this.ep.readable.on('data', (d: Datagram) => this.onControl(d.bytes));
  }

  async stop(): Promise<void> {
    await this.ep?.close();
  }

  private onControl(bytes: Uint8Array): void {
    const r = decodePacket(bytes, this.key, { sessionId: this.o.session.id });
    if (!r.ok) return;
    const m = r.packet.message;
    this.controlTypes.push(m.type);
    if (this.o.silent) return;
    if (m.type === 'status' && !this.receivers.has(m.receiverId)) {
      this.receivers.add(m.receiverId);
      if (this.o.forgeControl) {
        this.send({ type: 'kick', receiverId: m.receiverId, reason: 'fail', detail: 'forged by an insider' }, false);
        this.send({ type: 'announce', totalBlocks: this.layout.totalBlocks, cursor: 0, pass: 9, grttMs: 10, rateBps: 0, repairs: [], probeId: 0, probeTargets: [], finished: true }, false);
      }
      const last = Math.min(this.layout.totalBlocks, this.o.sendBlocksBelow ?? this.layout.totalBlocks);
      for (let b = 0; b < last; b++) this.sendBlock(b);
      this.send({ type: 'announce', totalBlocks: this.layout.totalBlocks, cursor: this.layout.totalBlocks, pass: 1, grttMs: 10, rateBps: 0, repairs: [], probeId: 0, probeTargets: [], finished: false });
      if (this.o.kickAfterPass) this.send({ type: 'kick', receiverId: m.receiverId, reason: this.o.kickAfterPass, detail: 'test kick' });
    } else if (m.type === 'nack' && this.o.kickAfterPass === undefined) {
      for (const e of m.entries) {
        if (this.o.repairWithParity) this.sendParity(e.block, e.needed);
        else this.sendBlock(e.block);
      }
      for (const rg of m.ranges) for (let b = rg.first; b <= rg.last; b++) if (b < (this.o.sendBlocksBelow ?? Infinity)) this.sendBlock(b);
    }
  }

  /** Blocks sent, in order (resends included). */
  readonly sentBlocks: number[] = [];

  /** Parity symbols sent in answer to NACKs (repairWithParity). */
  paritySent = 0;
  private readonly parityNext = new Map<number, number>();

  private sendBlock(block: number): void {
    this.sentBlocks.push(block);
    const k = this.layout.blockInfo(block).k;
    this.sources(block).forEach((payload, i) => {
      if ((block === this.o.corruptFirstSendOf && !this.corrupted) || block === this.o.corruptAlways) payload[0] = (payload[0] ?? 0) ^ 0xff;
      this.send({ type: 'data', block, symbol: i, k, payload });
    });
    if (block === this.o.corruptFirstSendOf) this.corrupted = true;
  }

  /** `count` parity symbols of `block` not sent before (symbol numbers k, k + 1, ...). */
  private sendParity(block: number, count: number): void {
    const sources = this.sources(block);
    const k = sources.length;
    const first = this.parityNext.get(block) ?? k;
    const indexes = Array.from({ length: Math.min(count, 255 - first) }, (_, i) => first + i);
    this.parityNext.set(block, first + indexes.length);
    const parity = new ReedSolomon(this.o.session.symbolSize).encodeParity(sources, indexes);
    parity.forEach((payload, i) => this.send({ type: 'data', block, symbol: indexes[i] as number, k, payload }));
    this.paritySent += indexes.length;
  }

  /** The block's source symbols, the last one zero-padded to the symbol size. */
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

  /** `signed`: as the DP (TEST_DP_KEY); false: with the session key alone, as an insider could. */
  private send(message: Message, signed = true): void {
    const s = this.o.session;
    const options = signed ? { signer: TEST_DP_KEY.privateKey } : {};
    const bytes = encodePacket({ sessionId: s.id, senderId: 0x80000001, seq: this.seq++, sentAtMs: 0 }, message, this.key, options);
    void this.ep?.send(bytes, { address: s.group, port: s.port });
  }
}
