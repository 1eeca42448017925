import type { Readable, Writable } from 'node:stream';
import type { FrameSender } from './frame-sender';

/** An IPv4 address and UDP port. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** The sender of a datagram read in batches (OpenUdpOptions.batchedReads): read(2) does not tell. */
export const UNKNOWN_PEER: PeerAddress = Object.freeze({ address: '0.0.0.0', port: 0 });

/** What the readable side of an endpoint yields. */
export interface Datagram {
  readonly bytes: Uint8Array;
  readonly from: PeerAddress;
}

/** Receives datagrams directly (see `UdpEndpoint.onDatagram`). `from` may carry more fields. */
export type DatagramListener = (bytes: Uint8Array, from: PeerAddress) => void;

/** What the writable side of an endpoint takes. */
export interface OutgoingDatagram {
  readonly bytes: Uint8Array;
  readonly to: PeerAddress;
}

export interface MulticastOptions {
  /** A group to join at open; more can be joined later with `join()`. */
  group?: string;
  /**
   * The IPv4 address of the local interface used for sending to groups and for joining them.
   * Required: letting the OS pick is how multicast ends up on the wrong network.
   */
  interface: string;
  /** Hops a multicast datagram may take; 1 keeps it on the local link. @default 1 */
  ttl?: number;
  /** Whether sockets on this host receive this endpoint's multicast datagrams. @default true */
  loopback?: boolean;
}

export interface OpenUdpOptions {
  /** Local IPv4 address to bind; `0.0.0.0` receives unicast and any joined group. @default '0.0.0.0' */
  address?: string;
  /** Local UDP port; 0 lets the OS pick one. @default 0 */
  port?: number;
  /** SO_REUSEADDR, so several receivers on one host can bind the same group port. @default false */
  reuseAddr?: boolean;
  multicast?: MulticastOptions;
  /** Requested SO_RCVBUF in bytes; a warning is recorded when the kernel caps it. @default the OS default */
  recvBufferSize?: number;
  /** Requested SO_SNDBUF in bytes; a warning is recorded when the kernel caps it. @default the OS default */
  sendBufferSize?: number;
  /** Sends handed to the OS and not yet completed before the writable side stops taking more. @default 64 */
  maxInFlight?: number;
  /** Datagrams the readable side buffers for a slow reader before it drops new ones (as the kernel would). @default 4096 */
  readBufferDatagrams?: number;
  /**
   * Read the socket in batches where the platform allows it (Linux), instead of one node:dgram
   * event per datagram: recvmmsg through koffi (up to 64 datagrams per system call), else one
   * read(2) per datagram. About a third of the CPU per datagram, but neither says who sent a datagram, so every `from` is UNKNOWN_PEER (0.0.0.0:0) in this mode, on every
   * platform and in the in-memory twin. For receivers that identify senders by content (signed
   * packets). Datagrams are views into shared 256 KiB slabs: copy one you keep for long.
   * `stats().readMode` tells which way the socket is read. @default false
   */
  batchedReads?: boolean;
  /**
   * With batchedReads, the `onDatagram` listener gets each datagram as a view of the reader's own
   * buffer, valid only until the listener returns (the next read overwrites it): the listener
   * must copy whatever it keeps. Saves a copy per datagram and the page faults of a fresh slab
   * every ~180 (~0.08 CPU s per 200 MiB received here). The readable side still gets copies, and
   * where datagrams come from node:dgram's events or the in-memory twin they are the listener's
   * to keep anyway. @default false
   */
  lendDatagrams?: boolean;
  /**
   * Coalesce the datagrams sent in one turn of the event loop into UDP segmentation offload sends
   * (Linux UDP_SEGMENT, set through koffi): up to 16 equal-sized datagrams to one destination go
   * as one system call that the kernel cuts back into the same datagrams, so the send path runs
   * once per batch instead of once per datagram. Each datagram still leaves whole and unchanged;
   * sends complete in order. Where koffi or the option is missing (Windows, an old kernel, a
   * single executable without node_modules), or the kernel refuses a segmented send, it is one
   * send per datagram as without it; `stats().sendMode` tells which. @default false
   */
  batchedSends?: boolean;
  /**
   * How batchedReads reaches koffi for recvmmsg where `require('koffi')` beside the code cannot (a
   * single executable has no node_modules and carries koffi's binary as an asset). A loader that
   * throws means one read(2) per datagram. @default require('koffi') from node_modules
   */
  loadKoffi?: () => unknown;
}

/** A non-fatal finding at open, e.g. a buffer size the kernel capped. */
export interface TransportWarning {
  readonly code: 'RECV_BUFFER_CAPPED' | 'SEND_BUFFER_CAPPED';
  readonly message: string;
  readonly requested: number;
  /** What the socket reports (Linux reports twice the usable size it granted). */
  readonly actual: number;
  /** net.core.rmem_max / wmem_max, where readable. */
  readonly kernelMax?: number;
}

export interface EndpointStats {
  readonly sentDatagrams: number;
  readonly sentBytes: number;
  readonly receivedDatagrams: number;
  readonly receivedBytes: number;
  /** Datagrams dropped because the reader did not keep up with the readable side. */
  readonly droppedOnRead: number;
  readonly inFlight: number;
  /** The most sends that were ever in flight at once (never above maxInFlight through `writable`). */
  readonly peakInFlight: number;
  /** 'batched': read(2) in batches (batchedReads on a platform that allows it); else one event per datagram. */
  readonly readMode: 'per-datagram' | 'batched';
  /**
   * System calls that read the socket in batched mode (recvmmsg, up to 64 datagrams each, or
   * read(2), one each), those that found it empty included; 0 where node:dgram's events or the
   * in-memory twin deliver. receivedDatagrams / readCalls is the datagrams per call.
   */
  readonly readCalls: number;
  /** 'segmented': batchedSends in effect (UDP_SEGMENT); else one send per datagram. */
  readonly sendMode: 'per-datagram' | 'segmented';
}

export type SendCallback = (err?: Error) => void;

/**
 * A UDP socket as Node streams, with a direct send path for hot loops. Implemented over node:dgram
 * (`openUdpSocket`) and in memory (`MemoryNetwork.open`); both pass the same conformance suite.
 */
export interface UdpEndpoint {
  /** Object-mode Readable of `Datagram`. Ends when the endpoint closes; errors with a TransportError. */
  readonly readable: Readable;
  /** Object-mode Writable of `OutgoingDatagram`; its write callbacks wait while `maxInFlight` sends are pending. */
  readonly writable: Writable;
  /** Findings at open (buffer sizes the kernel capped). Also emitted as `'warning'` on `readable`. */
  readonly warnings: readonly TransportWarning[];
  /** Sends one datagram; resolves when the OS took it. Rejects with a TransportError. */
  send(bytes: Uint8Array, to: PeerAddress): Promise<void>;
  /** The same without a promise per datagram, for pacing loops. The callback gets a TransportError. */
  sendCb(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void;
  /**
   * A sender of datagrams to `to` written in place into frames of `frameSize` bytes, for pacing
   * loops at line rate (frame-sender.ts): with batchedSends on Linux with castpoint's native
   * add-on, a turn's frames leave as UDP_SEGMENT sends of one system call each and nothing is
   * allocated per datagram; elsewhere each frame is a sendCb. Its sends count in stats() as
   * others do, but not in inFlight: the caller bounds them (the DP's pacing loop does).
   */
  frameSender(frameSize: number, to: PeerAddress): FrameSender;
  /**
   * From now on hands every received datagram straight to `listener` instead of `readable`, for
   * receive loops at line rate: a stream costs a wrapper object, a queued tick and its promise
   * bookkeeping per datagram (a quarter of an agent's garbage at 20k datagrams/s). The readable
   * then yields nothing more but still ends on close and fails on a socket error. Stats count as
   * before. One listener: a second call replaces the first.
   */
  onDatagram(listener: DatagramListener): void;
  /** Joins a group on the endpoint's multicast interface (or `iface`). */
  join(group: string, iface?: string): void;
  /** Leaves a group joined before. */
  leave(group: string, iface?: string): void;
  setMulticastLoopback(on: boolean): void;
  setMulticastTtl(ttl: number): void;
  address(): PeerAddress;
  stats(): EndpointStats;
  /** Closes the socket and ends `readable`. Idempotent. */
  close(): Promise<void>;
}
