// The seam between session bookkeeping (SessionManager, pure state) and the part that moves
// packets (the real runner built on libs/repair, wire, transport and chunking). Tests of the API
// plug in a recording runner; the integration tests run the real one inside a netlab LAN.
import type { KeyObject } from 'node:crypto';
import type { KickReason, LeaveReason, Manifest, ReceiverState } from '@castpoint/wire';
import type { SlowPolicy } from '../state/types';

export interface RunnerSpec {
  readonly sessionId: number;
  /** 0x80000000 | epoch. */
  readonly senderId: number;
  readonly group: string;
  readonly port: number;
  /** Multicast interface (IPv4) the socket sends from; also the unicast address it receives on. */
  readonly interfaceAddress: string;
  readonly senderPort: number;
  readonly ttl: number;
  /** 32-byte session key. */
  readonly key: Uint8Array;
  readonly encrypted: boolean;
  /** Session rate cap, bytes/s (the pacer runs at 8x this in bit/s). */
  readonly rateBytesPerSec: number;
  /**
   * The engine's rate starts at rateBytesPerSec instead of probing up from an eighth of it (the
   * admin set the cap for this network; ManagerOptions.startRate). @default false
   */
  readonly startAtCap?: boolean;
  readonly slowPolicy: SlowPolicy;
  readonly imageFile: string;
  /** The file's mtime at import (with the manifest, the fingerprint checked before sending). */
  readonly imageMtimeMs: number;
  readonly manifest: Manifest;
  /** The chunk pack of a compressed manifest: its stored chunks are what the session sends. */
  readonly packFile?: string;
  readonly symbolSize: number;
  readonly blockSymbols: number;
  /** Receivers registered before (a resumed session after a DP restart). */
  readonly receivers: readonly number[];
  /** The DP's Ed25519 private key: announces and kicks are signed with it (docs/protocol.md). */
  readonly signer: KeyObject;
}

export interface ReceiverReport {
  readonly state: ReceiverState;
  readonly blocksDone: number;
  readonly totalBlocks: number;
  readonly rateBps: number;
  readonly lossPpm: number;
}

/** What a runner tells the manager. Called synchronously from the runner's loop. */
export interface RunnerEvents {
  status(receiverId: number, report: ReceiverReport): void;
  /** The engine's policy kicked a receiver (the kick is already on the wire). */
  kicked(receiverId: number, reason: KickReason, detail: string): void;
  left(receiverId: number, reason: LeaveReason): void;
  /** Every registered receiver is complete (or gone): the session may end. */
  finished(): void;
  failed(err: Error): void;
}

export interface RunnerStats {
  readonly bytesSent: number;
  readonly packetsSent: number;
  readonly dataPackets: number;
  readonly repairPackets: number;
  readonly nacksReceived: number;
  readonly badPackets: number;
  /** Control packets (announce, kick) the wire codec refused to encode; skipped. */
  readonly controlErrors: number;
  /** Control packets from receiver ids not registered in the session (dropped, nothing stored). */
  readonly unknownReceiverPackets: number;
  /** Repair symbols receivers asked for beyond their repair budget (refused). */
  readonly refusedRepairSymbols: number;
  /** Current send rate, bytes/s. */
  readonly rateBytesPerSec: number;
  readonly grttMs: number;
  /** Buffers made to frame data packets (recycled: about the sends in flight, not the packets). */
  readonly framesAllocated?: number;
  /**
   * How data packets leave: 'segmented', a turn's packets per UDP_SEGMENT sendmsg through the
   * native add-on; 'per-datagram' otherwise, with `sendFallback` saying why (no add-on, Windows,
   * the kernel refused segmentation).
   */
  readonly sendPath?: 'segmented' | 'per-datagram';
  readonly sendFallback?: string;
  /** Times a data send found the socket's buffer full and waited 1 ms (the link pushing back). */
  readonly sendRetries?: number;
}

export interface SessionRunner {
  /** Opens the socket and begins the session. */
  start(): Promise<void>;
  addReceiver(receiverId: number): void;
  removeReceiver(receiverId: number): void;
  /**
   * A scheduled session started with `count` agents waiting, most of which register only when
   * they ask again: new data is held until `count` receivers are registered and have been heard
   * (their first status report), or `graceMs` passed. Data sent before they listen would be
   * missed whole and cost a second pass of those blocks.
   */
  awaitJoiners(count: number, graceMs: number): void;
  stats(): RunnerStats;
  /** Stops sending; `kick` tells remaining receivers why (cancel), otherwise they are left alone (DP shutdown). */
  close(kick?: { reason: KickReason; detail: string }): Promise<void>;
}

export type SessionRunnerFactory = (spec: RunnerSpec, events: RunnerEvents) => SessionRunner;
