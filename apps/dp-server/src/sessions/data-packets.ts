// A session's data packets, as the pacing loop asks for them: the engine's next pick once its
// block is in memory, and the datagram made of it, the symbol copied from its block straight into
// a frame of the socket's frame sender and sealed there (libs/transport frame-sender.ts, wire's
// sealDataFrame). Nothing is allocated per packet on this path (issue 29): the pick is the
// engine's, the header fields one object for the session, the frame the sender's.
import type { DataPick, SenderEngine } from '@castpoint/repair';
import { PACED_IDLE, type FrameSender } from '@castpoint/transport';
import { DATA_HEADER_SIZE, TAG_SIZE, sealDataFrame, type DataFields, type SessionKey } from '@castpoint/wire';
import type { SymbolSource } from './symbol-source';

export interface DataPacketsDeps {
  readonly engine: SenderEngine;
  readonly symbols: SymbolSource;
  readonly frames: FrameSender;
  readonly key: SessionKey;
  readonly sessionId: number;
  readonly senderId: number;
  readonly symbolSize: number;
  /** The session's next sequence number (control packets take theirs from the same counter). */
  nextSeq(): number;
  /** The engine's clock, ms. */
  nowMs(): number;
  /** The header's send time (the clock's ms modulo 2^32). */
  sentAtMs(): number;
  /** Whether the session is closed: nothing more is sent. */
  closed(): boolean;
  /** Resumes the pacing loop (a block it waited for is loaded). */
  wake(): void;
  /** Fails the session (a block could not be read). */
  fail(err: Error): void;
}

export class DataPackets {
  /** A full symbol's packet: the frames' size, and every data packet's (short blocks are zero-padded). */
  readonly packetSize: number;
  private readonly fields: DataFields;
  /** A pick whose block was still loading when the pacer asked for it. */
  private pending: DataPick | undefined;
  packets = 0;
  bytes = 0;
  dataPackets = 0;
  repairPackets = 0;

  constructor(private readonly d: DataPacketsDeps) {
    this.packetSize = DATA_HEADER_SIZE + d.symbolSize + TAG_SIZE;
    this.fields = { sessionId: d.sessionId, senderId: d.senderId, seq: 0, sentAtMs: 0, block: 0, symbol: 0, k: 1 };
  }

  /** The pacer's next item: a pick whose block is in memory, or PACED_IDLE (then wake() resumes it). */
  next(): DataPick | typeof PACED_IDLE {
    if (this.d.closed()) return PACED_IDLE;
    // Nothing to send now, or held for joiners: idle until something wakes the loop.
    const pick = this.pending ?? this.d.engine.nextData(this.d.nowMs());
    this.pending = undefined;
    if (!pick) return PACED_IDLE;
    if (this.d.symbols.ready(pick.block)) return pick;
    this.waitForBlock(pick);
    return PACED_IDLE;
  }

  /** Frames, seals and commits the packet of `pick` (the pacer let it go). */
  send(pick: DataPick, done: (err?: Error) => void): void {
    if (this.d.closed()) {
      done();
      return;
    }
    const frame = this.d.frames.frame();
    if (!this.d.symbols.copyInto(pick.block, pick.symbol, frame, DATA_HEADER_SIZE)) {
      // Not expected: next() marked the block newest, and loads drop only the oldest. Sent later.
      this.waitForBlock(pick);
      done();
      return;
    }
    const f = this.fields;
    f.seq = this.d.nextSeq();
    f.sentAtMs = this.d.sentAtMs();
    f.block = pick.block;
    f.symbol = pick.symbol;
    f.k = pick.k;
    // The session's symbol size was chosen to fit every receiver's MTU (symbol-size.ts): a jumbo
    // symbol's packet is past the 1472 bytes a 1500-byte MTU carries. A packet that fails to seal
    // throws before its commit, and its frame is simply written again by the next one.
    const length = sealDataFrame(frame, f, this.d.symbolSize, this.d.key, this.packetSize);
    this.packets++;
    this.bytes += length;
    if (pick.repair) this.repairPackets++;
    else this.dataPackets++;
    this.d.frames.commit(length, done);
  }

  /** Holds `pick` until its block is loaded, then wakes the loop. */
  private waitForBlock(pick: DataPick): void {
    this.pending = pick;
    this.d.symbols.load(pick.block).then(
      () => this.d.wake(),
      (err: unknown) => this.d.fail(err as Error),
    );
  }
}
