import { createSocket, type Socket } from 'node:dgram';
import { BatchedReader, socketReadHandle } from './batched-reader';
import { loadRecvMmsg } from './recvmmsg';
import { DatagramPipes } from './datagram-pipes';
import { UNKNOWN_PEER, type DatagramListener, type EndpointStats, type OpenUdpOptions, type PeerAddress, type SendCallback, type TransportWarning, type UdpEndpoint } from './endpoint';
import { asTransportError, TransportError } from './errors';
import { ipv4Number, isMulticast4, requireGroup, requireIpv4, requireTtl } from './ipv4';
import { resolveOptions, type ResolvedOptions } from './options';
import { applyBufferSizes } from './socket-buffers';
import { interfaceMtu, segmentingSenderFor } from './segmented-socket';
import { CallbackFrameSender, checkFrameDestination, DEFAULT_SLAB_LIMITS, SlabFrameSender, slabIo, type FrameSender } from './frame-sender';
import { nativeUdpSend } from '@castpoint/wire';
import type { SegmentingSender } from './segmenting-sender';

/**
 * Opens a UDP socket (IPv4 only) as a UdpEndpoint — the adapter the design card calls
 * `dgram-as-stream`. Resolves once bound, buffers sized and the initial group joined; rejects with
 * a TransportError (TRANSPORT_BAD_OPTION, TRANSPORT_BIND_FAILED, TRANSPORT_MEMBERSHIP_FAILED).
 */
export async function openUdpSocket(opts: OpenUdpOptions = {}): Promise<UdpEndpoint> {
  const o = resolveOptions(opts);
  const sock = createSocket({ type: 'udp4', reuseAddr: o.reuseAddr });
  await bind(sock, o);
  let ep: SocketEndpoint | undefined;
  try {
    const warnings = applyBufferSizes(sock, o.recvBufferSize, o.sendBufferSize);
    ep = new SocketEndpoint(sock, o, warnings);
    if (o.multicast?.group !== undefined) ep.join(o.multicast.group);
    return ep;
  } catch (err) {
    // Through the endpoint when there is one: it stops a batched reader before the socket closes.
    if (ep) await ep.close();
    else sock.close();
    throw err;
  }
}

function bind(sock: Socket, o: ResolvedOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      sock.close();
      reject(asTransportError('TRANSPORT_BIND_FAILED', `cannot bind ${o.address}:${o.port}`, err, { address: o.address, port: o.port }));
    };
    sock.once('error', onError);
    sock.bind({ address: o.address, port: o.port, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

class SocketEndpoint implements UdpEndpoint {
  private readonly pipes: DatagramPipes;
  private closing: Promise<void> | undefined;
  /** Set in batched mode: reads the socket instead of node:dgram's events. */
  private readonly reader: BatchedReader | undefined;
  /** Kept from open: node:dgram refuses address() once closed, but callers may still ask. */
  private readonly local: PeerAddress;
  /** Set with batchedSends where UDP_SEGMENT works: sends go through it. */
  private readonly segmenter: SegmentingSender | undefined;
  /** Why batchedSends is not in effect, when it was asked for. */
  readonly sendFallback: string | undefined;
  /** Why batched reads take one read(2) per datagram instead of recvmmsg, when they do. */
  readonly readFallback: string | undefined;

  constructor(
    private readonly sock: Socket,
    private readonly o: ResolvedOptions,
    readonly warnings: readonly TransportWarning[],
  ) {
    this.pipes = new DatagramPipes((bytes, to, cb) => this.rawSend(bytes, to, cb), o.maxInFlight, o.readBufferDatagrams);
    const a = sock.address();
    this.local = { address: a.address, port: a.port };
    const handle = o.batchedReads ? socketReadHandle(sock) : undefined;
    if (o.batchedReads) {
      // Same contract whichever way the socket is read (see OpenUdpOptions.batchedReads).
      sock.on('message', (msg) => this.pipes.deliver(msg, UNKNOWN_PEER));
    } else {
      sock.on('message', (msg, rinfo) => this.pipes.deliver(msg, rinfo));
    }
    sock.on('error', (err) => this.pipes.fail(asTransportError('TRANSPORT_SOCKET_ERROR', 'socket error', err, {})));
    const m = o.multicast;
    if (m) {
      try {
        // Always pin the sending interface: the OS default route may lead to a network that is not ours.
        sock.setMulticastInterface(m.interface);
        sock.setMulticastTTL(m.ttl);
        sock.setMulticastLoopback(m.loopback);
      } catch (err) {
        throw asTransportError('TRANSPORT_BAD_OPTION', `cannot use multicast interface ${m.interface}`, err, { address: m.interface, option: 'multicast.interface' });
      }
    }
    for (const w of warnings) this.pipes.emitWarning(w);
    if (o.batchedSends) {
      const s = segmentingSenderFor(sock, m?.interface ?? o.address);
      if ('unavailable' in s) this.sendFallback = s.unavailable;
      else {
        this.segmenter = s;
        this.pipes.sendMode = () => (s.disabled === undefined ? 'segmented' : 'per-datagram');
      }
    }
    // Last, once nothing above can throw: openUdpSocket closes the socket when this constructor
    // fails, and a reader started before that would go on reading a closed (or reused) descriptor.
    if (handle) {
      handle.recvStop();
      const lend = o.lendDatagrams;
      const batch = loadRecvMmsg(o.loadKoffi);
      if ('unavailable' in batch) this.readFallback = batch.unavailable;
      const reader = new BatchedReader(
        handle.fd,
        (bytes) => this.pipes.deliver(bytes, UNKNOWN_PEER, lend),
        (err) => this.pipes.fail(asTransportError('TRANSPORT_SOCKET_ERROR', 'reading the socket failed', err, {})),
        { lend, batchSource: 'unavailable' in batch ? undefined : batch },
      );
      this.reader = reader;
      this.pipes.readMode = 'batched';
      this.pipes.readCalls = () => reader.stats().calls;
      this.reader.start();
    }
  }

  get readable(): UdpEndpoint['readable'] {
    return this.pipes.readable;
  }

  get writable(): UdpEndpoint['writable'] {
    return this.pipes.writable;
  }

  private rawSend(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    // Multicast without a pinned interface would go wherever the OS routes it: refuse.
    if (this.o.multicast === undefined && isMulticast4(to.address)) {
      process.nextTick(cb, new TransportError('TRANSPORT_BAD_OPTION', `sending to group ${to.address} needs multicast.interface`, { address: to.address, option: 'multicast.interface' }));
      return;
    }
    if (this.segmenter) {
      this.segmenter.send(bytes, to, (err) => {
        cb(err ? asTransportError('TRANSPORT_SEND_FAILED', `send to ${to.address}:${to.port} failed`, err, { address: to.address, port: to.port }) : undefined);
      });
      return;
    }
    try {
      this.sock.send(bytes, to.port, to.address, (err) => {
        cb(err ? asTransportError('TRANSPORT_SEND_FAILED', `send to ${to.address}:${to.port} failed`, err, { address: to.address, port: to.port }) : undefined);
      });
    } catch (err) {
      process.nextTick(cb, asTransportError('TRANSPORT_SEND_FAILED', `send to ${to.address}:${to.port} failed`, err, { address: to.address, port: to.port }));
    }
  }

  send(bytes: Uint8Array, to: PeerAddress): Promise<void> {
    return this.pipes.send(bytes, to);
  }

  sendCb(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    this.pipes.sendCb(bytes, to, cb);
  }

  onDatagram(listener: DatagramListener): void {
    this.pipes.onDatagram(listener);
  }

  frameSender(frameSize: number, to: PeerAddress): FrameSender {
    checkFrameDestination(to, this.o.multicast !== undefined);
    const native = this.o.batchedSends ? nativeUdpSend() : undefined;
    const fd = native ? socketReadHandle(this.sock)?.fd : undefined;
    if (!native || fd === undefined) {
      const why = !this.o.batchedSends ? 'batchedSends is off' : !native ? "castpoint's native add-on (udpSendSegments) is not loaded" : 'node:dgram does not expose the socket descriptor';
      return new CallbackFrameSender(frameSize, (bytes, dest, cb) => this.sendCb(bytes, dest, cb), to, why);
    }
    const address = ipv4Number(to.address);
    // A segment must fit the interface's MTU whole (the kernel refuses one that would fragment).
    const iface = this.o.multicast?.interface ?? this.o.address;
    const mtu = (iface !== '0.0.0.0' ? interfaceMtu(iface) : undefined) ?? 1500;
    const tooLarge = frameSize > mtu - 28 ? `${frameSize}-byte frames do not fit the interface's MTU of ${mtu} as segments` : undefined;
    return new SlabFrameSender(
      frameSize,
      slabIo(this.pipes, (buf, start, length, segmentSize) => native(fd, buf, start, length, segmentSize, address, to.port)),
      to,
      tooLarge === undefined ? DEFAULT_SLAB_LIMITS : { ...DEFAULT_SLAB_LIMITS, unsegmented: tooLarge },
    );
  }

  join(group: string, iface?: string): void {
    this.membership('join', group, iface);
  }

  leave(group: string, iface?: string): void {
    this.membership('leave', group, iface);
  }

  private membership(op: 'join' | 'leave', group: string, iface: string | undefined): void {
    if (this.pipes.isClosed) throw new TransportError('TRANSPORT_CLOSED', `cannot ${op} ${String(group)}: endpoint is closed`);
    requireGroup('group', group);
    const ifaceAddr = this.interfaceFor(iface);
    try {
      if (op === 'join') this.sock.addMembership(group, ifaceAddr);
      else this.sock.dropMembership(group, ifaceAddr);
    } catch (err) {
      throw asTransportError('TRANSPORT_MEMBERSHIP_FAILED', `${op} ${group} on ${ifaceAddr} failed`, err, { address: group });
    }
  }

  private interfaceFor(iface: string | undefined): string {
    if (iface !== undefined) return requireIpv4('interface', iface);
    if (this.o.multicast) return this.o.multicast.interface;
    throw new TransportError('TRANSPORT_BAD_OPTION', 'joining a group needs multicast.interface (or an explicit interface)', { option: 'multicast.interface' });
  }

  setMulticastLoopback(on: boolean): void {
    this.requireMulticast('loopback');
    this.sock.setMulticastLoopback(on);
  }

  setMulticastTtl(ttl: number): void {
    this.requireMulticast('ttl');
    this.sock.setMulticastTTL(requireTtl(ttl));
  }

  private requireMulticast(what: string): void {
    if (this.pipes.isClosed) throw new TransportError('TRANSPORT_CLOSED', `cannot set ${what}: endpoint is closed`);
    if (!this.o.multicast) throw new TransportError('TRANSPORT_BAD_OPTION', `setting ${what} needs multicast options at open`, { option: 'multicast' });
  }

  address(): PeerAddress {
    return this.local;
  }

  stats(): EndpointStats {
    return this.pipes.stats();
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      // Before the close: the descriptor number may be reused at once.
      this.reader?.stop();
      this.pipes.close();
      this.sock.close(() => resolve());
    });
    return this.closing;
  }
}
