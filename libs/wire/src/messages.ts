// The messages castpoint peers exchange, as plain typed values. libs/wire turns them into bytes
// (data: a fixed binary header; control: protobuf) inside an authenticated envelope; libs/repair
// reasons about them; the apps move them over sockets. Shared contract: change with care.

/** Envelope fields every packet carries (not part of a message's own content). */
export interface Envelope {
  /** The session this packet belongs to (u32). */
  readonly sessionId: number;
  /**
   * Who sent it (u32). The DP uses 0x80000000 | epoch (its start counter); each agent registration
   * gets a fresh id below 0x80000000. With `seq` it forms the AES-GCM nonce, so it never repeats.
   */
  readonly senderId: number;
  /** Per-sender packet counter (u64, strictly increasing); loss estimation and the GCM nonce. */
  readonly seq: bigint;
  /** Sender's clock in ms modulo 2^32, for RTT measurement. */
  readonly sentAtMs: number;
}

/** A source symbol (symbol < k) or a parity symbol (symbol >= k) of one block. */
export interface DataMessage {
  readonly type: 'data';
  /** Block number (u32; with 64 x 1400-byte symbols a block is ~90 KB, so images up to ~380 TB). */
  readonly block: number;
  /** Symbol index within the block: 0..k-1 source, k..254 parity (Reed-Solomon over GF(2^8)). */
  readonly symbol: number;
  /** Source symbols in this block (the last block of an image may have fewer). 1..255. */
  readonly k: number;
  readonly payload: Uint8Array;
}

/** One block's repair need, as a receiver reports it. */
export interface NackEntry {
  readonly block: number;
  /** Symbols still needed to rebuild the block (any symbols: parity or source). */
  readonly needed: number;
  /** Optional bitmap of missing source symbols (bit i = symbol i missing), LSB first. */
  readonly missing?: Uint8Array;
}

/** A run of whole blocks a receiver has none of (late joiners, long outages). Inclusive. */
export interface BlockRange {
  readonly first: number;
  readonly last: number;
}

/** Receiver -> sender (unicast): what it still needs. One packet covers hundreds of symbols. */
export interface NackMessage {
  readonly type: 'nack';
  readonly receiverId: number;
  readonly entries: readonly NackEntry[];
  readonly ranges: readonly BlockRange[];
}

export type ReceiverState = 'waiting' | 'receiving' | 'repairing' | 'done' | 'failed';

/** Receiver -> sender (unicast): progress report. */
export interface StatusMessage {
  readonly type: 'status';
  readonly receiverId: number;
  readonly state: ReceiverState;
  readonly blocksDone: number;
  readonly totalBlocks: number;
  /** Goodput the receiver sees, bytes/s. */
  readonly rateBps: number;
  /** Loss it measures, in parts per million. */
  readonly lossPpm: number;
  /**
   * The longest run of consecutive sender packets it missed in the interval (0 when none, and
   * from agents older than the field). Overflowing its socket buffer loses whole runs; random
   * loss rarely loses more than a few in a row, so the sender reads a long run as congestion.
   */
  readonly maxGap?: number;
  /**
   * Delivery rate: the most data payload bytes/s received in one 50 ms window of the interval
   * (a max filter: behind a bottleneck it is the bottleneck's rate less the loss after it).
   * Absent (0 on the wire) from agents older than the field.
   */
  readonly deliveryRateBps?: number;
  /**
   * Queueing delay, microseconds: the last 50 ms window's lowest one-way delay (receive time
   * minus the envelope's sentAtMs) above the lowest one-way delay seen (the base). Clocks are not
   * synchronised: only this growth above the base means anything. Absent (0) from older agents.
   */
  readonly queueDelayUs?: number;
}

/** Repair the sender has scheduled: `count` fresh symbols of `block`, starting at `firstSymbol`. */
export interface RepairAnnouncement {
  readonly block: number;
  readonly firstSymbol: number;
  readonly count: number;
}

/** Sender -> group: what it sends next, the group RTT, and an RTT probe. Sent periodically. */
export interface AnnounceMessage {
  readonly type: 'announce';
  readonly totalBlocks: number;
  /** Next block of new data the sender will send (the carousel cursor). */
  readonly cursor: number;
  /** Pass over the image (0 first); late joiners see it grow. */
  readonly pass: number;
  /** Group round-trip time the sender uses for every timer, ms. */
  readonly grttMs: number;
  /** Current send rate, bytes/s. */
  readonly rateBps: number;
  readonly repairs: readonly RepairAnnouncement[];
  /** Probe id receivers echo back (0: no probe in this announce). */
  readonly probeId: number;
  /** Receivers the sender wants an echo from now (empty: everyone echoes after a random backoff). */
  readonly probeTargets: readonly number[];
  /** True once every registered receiver is complete: receivers may leave. */
  readonly finished: boolean;
}

/** Receiver -> sender (unicast): answer to a probe, for RTT. */
export interface ProbeEchoMessage {
  readonly type: 'probe-echo';
  readonly receiverId: number;
  readonly probeId: number;
  /** The announce's envelope sentAtMs, echoed. */
  readonly probeSentAtMs: number;
  /** Time the receiver held the probe before answering, ms (subtracted from the RTT). */
  readonly holdMs: number;
}

export type LeaveReason = 'complete' | 'cancelled' | 'inactive';

/** Receiver -> sender (unicast): it leaves the session. */
export interface LeaveMessage {
  readonly type: 'leave';
  readonly receiverId: number;
  readonly reason: LeaveReason;
}

/** policy: slow-client policy not met; fallback: finish by unicast; fail: stop; tier: re-ask the DP (demoted). */
export type KickReason = 'policy' | 'fallback' | 'fail' | 'tier';

/** Sender -> one receiver (sent to the group, addressed by id): leave, and why. */
export interface KickMessage {
  readonly type: 'kick';
  readonly receiverId: number;
  readonly reason: KickReason;
  readonly detail: string;
}

export type ControlMessage = NackMessage | StatusMessage | AnnounceMessage | ProbeEchoMessage | LeaveMessage | KickMessage;
export type Message = DataMessage | ControlMessage;
export type MessageType = Message['type'];

/** A decoded packet: envelope plus message. */
export interface Packet<M extends Message = Message> {
  readonly envelope: Envelope;
  readonly message: M;
}
