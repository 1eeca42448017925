import { DatagramPipes } from './datagram-pipes';
import { UNKNOWN_PEER, type DatagramListener, type EndpointStats, type OpenUdpOptions, type PeerAddress, type SendCallback, type TransportWarning, type UdpEndpoint } from './endpoint';
import { TransportError } from './errors';
import { isLoopback4, isMulticast4, requireGroup, requireIpv4, requireTtl } from './ipv4';
import { resolveOptions, type ResolvedOptions } from './options';
import { SeededRandom } from './prng';
import { realClock, type Clock } from './clock';
import { CallbackFrameSender, checkFrameDestination, SlabFrameSender, slabIo, type FrameSender } from './frame-sender';

export interface MemoryNetworkOptions {
  /** Seed of every random choice (loss, delay, reordering); the same seed replays the same run. @default 1 */
  seed?: number;
  /** Fraction of datagrams lost per receiver, 0..1. @default 0 */
  loss?: number;
  /** One-way delay, drawn uniformly per datagram and receiver. @default { min: 0, max: 0 } */
  delayMs?: { min: number; max: number };
  /** Fraction of datagrams held back by `reorderDelayMs` so that later ones overtake them. @default 0 */
  reorder?: number;
  /** Extra delay of a reordered datagram. @default 5 */
  reorderDelayMs?: number;
  /** Link rate of every sending host in bit/s; undefined means unlimited. @default undefined */
  rateBitsPerSec?: number;
  /** Bytes a sending host's link queue holds before it drops (tail drop, like tc tbf). @default 262144 */
  queueBytes?: number;
  /** Host of endpoints bound to 0.0.0.0 without a multicast interface. @default '127.0.0.1' */
  defaultHost?: string;
  /** Time source; tests pass a VirtualClock. @default realClock() */
  clock?: Clock;
}

export interface MemoryNetworkStats {
  readonly delivered: number;
  readonly lost: number;
  /** Datagrams dropped because a sender's rate-limited link queue was full. */
  readonly queueDrops: number;
}

/**
 * An in-memory IPv4 network of UDP endpoints with the same interface as real sockets: unicast,
 * multicast groups per host interface, loopback and TTL 0 semantics, seeded loss, delay,
 * reordering and an optional link rate. A "host" is the endpoint's multicast interface address
 * (else its bind address, else 127.0.0.1).
 */
export class MemoryNetwork {
  private readonly rng: SeededRandom;
  private readonly sched: Clock;
  private readonly endpoints: MemoryEndpoint[] = [];
  private readonly hostLoss = new Map<string, number>();
  private readonly linkFreeAt = new Map<string, number>();
  private nextPort = 40_000;
  private delivered = 0;
  private lost = 0;
  private queueDrops = 0;

  constructor(private readonly opts: MemoryNetworkOptions = {}) {
    checkFraction('loss', opts.loss ?? 0);
    checkFraction('reorder', opts.reorder ?? 0);
    const d = opts.delayMs ?? { min: 0, max: 0 };
    if (!(d.min >= 0 && d.max >= d.min)) throw new TransportError('TRANSPORT_BAD_OPTION', `delayMs needs 0 <= min <= max, got ${d.min}..${d.max}`, { option: 'delayMs' });
    if (opts.rateBitsPerSec !== undefined && !(opts.rateBitsPerSec > 0)) throw new TransportError('TRANSPORT_BAD_OPTION', `rateBitsPerSec must be > 0, got ${opts.rateBitsPerSec}`, { option: 'rateBitsPerSec' });
    this.rng = new SeededRandom(opts.seed ?? 1);
    this.sched = opts.clock ?? realClock();
  }

  /** Opens an endpoint; same options, errors and semantics as `openUdpSocket`. */
  async open(opts: OpenUdpOptions = {}): Promise<UdpEndpoint> {
    const o = resolveOptions(opts);
    const host = o.multicast?.interface ?? (o.address === '0.0.0.0' ? (this.opts.defaultHost ?? '127.0.0.1') : o.address);
    const port = o.port === 0 ? this.allocatePort(host) : o.port;
    const clash = this.endpoints.find((e) => e.host === host && e.port === port && overlaps(e.bindAddress, o.address) && !(e.reuseAddr && o.reuseAddr));
    if (clash) throw new TransportError('TRANSPORT_BIND_FAILED', `cannot bind ${o.address}:${port}: address in use`, { address: o.address, port, errno: 'EADDRINUSE' });
    const ep = new MemoryEndpoint(this, o, host, port);
    this.endpoints.push(ep);
    if (o.multicast?.group !== undefined) ep.join(o.multicast.group);
    return ep;
  }

  /** Loss applied to datagrams arriving at `host` (overrides the network-wide loss). */
  setLoss(host: string, fraction: number): void {
    checkFraction('loss', fraction);
    this.hostLoss.set(requireIpv4('host', host), fraction);
  }

  stats(): MemoryNetworkStats {
    return { delivered: this.delivered, lost: this.lost, queueDrops: this.queueDrops };
  }

  /** @internal Called by endpoints. */
  detach(ep: MemoryEndpoint): void {
    const i = this.endpoints.indexOf(ep);
    if (i >= 0) this.endpoints.splice(i, 1);
  }

  /** @internal Moves one datagram from `from` towards every matching receiver. */
  transmit(from: MemoryEndpoint, bytes: Uint8Array, to: PeerAddress): void {
    const targets = isMulticast4(to.address) ? this.groupMembers(from, to) : this.unicastTarget(from, to);
    const queueMs = this.linkDelay(from.host, bytes.length);
    if (queueMs === undefined) {
      this.queueDrops++;
      return;
    }
    // The sender's buffer may be reused at once, as with a real socket: copy before it travels.
    const copy = Uint8Array.from(bytes);
    const src = { address: isLoopback4(to.address) ? '127.0.0.1' : from.host, port: from.port };
    for (const t of targets) {
      if (this.rng.next() < (this.hostLoss.get(t.host) ?? this.opts.loss ?? 0)) {
        this.lost++;
        continue;
      }
      const d = this.opts.delayMs ?? { min: 0, max: 0 };
      let delay = queueMs + d.min + this.rng.next() * (d.max - d.min);
      if (this.rng.next() < (this.opts.reorder ?? 0)) delay += this.opts.reorderDelayMs ?? 5;
      this.sched.schedule(() => {
        this.delivered++;
        t.receive({ bytes: copy, from: src });
      }, delay);
    }
  }

  private groupMembers(from: MemoryEndpoint, to: PeerAddress): MemoryEndpoint[] {
    return this.endpoints.filter((e) => {
      if (e.port !== to.port || !e.isMember(to.address) || !overlaps(e.bindAddress, to.address)) return false;
      const sameHost = e.host === from.host;
      if (sameHost) return from.loopback;
      return from.ttl > 0;
    });
  }

  private unicastTarget(from: MemoryEndpoint, to: PeerAddress): MemoryEndpoint[] {
    const host = isLoopback4(to.address) ? from.host : to.address;
    // With SO_REUSEADDR several sockets share a port; unicast reaches one of them (the last bound).
    const match = this.endpoints.filter((e) => e.port === to.port && e.host === host && (e.bindAddress === '0.0.0.0' || e.bindAddress === to.address));
    const last = match[match.length - 1];
    return last ? [last] : [];
  }

  /** Queueing delay on the sender's link, or undefined when its queue is full. */
  private linkDelay(host: string, size: number): number | undefined {
    const rate = this.opts.rateBitsPerSec;
    if (rate === undefined) return 0;
    const now = this.sched.now();
    const free = Math.max(now, this.linkFreeAt.get(host) ?? now);
    const backlogBytes = ((free - now) / 1000) * (rate / 8);
    if (backlogBytes + size > (this.opts.queueBytes ?? 262_144)) return undefined;
    const done = free + (size * 8 * 1000) / rate;
    this.linkFreeAt.set(host, done);
    return done - now;
  }

  private allocatePort(host: string): number {
    for (;;) {
      const p = this.nextPort++;
      if (this.nextPort > 65_535) this.nextPort = 40_000;
      if (!this.endpoints.some((e) => e.host === host && e.port === p)) return p;
    }
  }
}

function overlaps(bound: string, other: string): boolean {
  return bound === '0.0.0.0' || other === '0.0.0.0' || bound === other;
}

function checkFraction(option: string, f: number): void {
  if (!(f >= 0 && f <= 1)) throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be a fraction in [0, 1], got ${f}`, { option });
}

/** One endpoint of a MemoryNetwork. */
class MemoryEndpoint implements UdpEndpoint {
  readonly warnings: readonly TransportWarning[] = [];
  readonly bindAddress: string;
  readonly reuseAddr: boolean;
  loopback: boolean;
  ttl: number;
  private readonly pipes: DatagramPipes;
  private readonly groups = new Set<string>();

  constructor(
    private readonly net: MemoryNetwork,
    private readonly o: ResolvedOptions,
    readonly host: string,
    readonly port: number,
  ) {
    this.bindAddress = o.address;
    this.reuseAddr = o.reuseAddr;
    this.loopback = o.multicast?.loopback ?? true;
    this.ttl = o.multicast?.ttl ?? 1;
    this.pipes = new DatagramPipes((bytes, to, cb) => this.rawSend(bytes, to, cb), o.maxInFlight, o.readBufferDatagrams);
    // The twin keeps the socket's contract in batched mode: no sender address.
    if (o.batchedReads) this.pipes.readMode = 'batched';
    // The twin of a socket whose kernel segments: every datagram still arrives on its own.
    if (o.batchedSends) this.pipes.sendMode = () => 'segmented';
  }

  get readable(): UdpEndpoint['readable'] {
    return this.pipes.readable;
  }

  get writable(): UdpEndpoint['writable'] {
    return this.pipes.writable;
  }

  isMember(group: string): boolean {
    return this.groups.has(group);
  }

  receive(d: { bytes: Uint8Array; from: PeerAddress }): void {
    this.pipes.deliver(d.bytes, this.o.batchedReads ? UNKNOWN_PEER : d.from);
  }

  onDatagram(listener: DatagramListener): void {
    this.pipes.onDatagram(listener);
  }

  private rawSend(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    if (this.o.multicast === undefined && isMulticast4(to.address)) {
      process.nextTick(cb, new TransportError('TRANSPORT_BAD_OPTION', `sending to group ${to.address} needs multicast.interface`, { address: to.address, option: 'multicast.interface' }));
      return;
    }
    this.net.transmit(this, bytes, to);
    process.nextTick(cb);
  }

  send(bytes: Uint8Array, to: PeerAddress): Promise<void> {
    return this.pipes.send(bytes, to);
  }

  sendCb(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    this.pipes.sendCb(bytes, to, cb);
  }

  /** As the socket's: with batchedSends, slabs the twin cuts back into datagrams, as the kernel does. */
  frameSender(frameSize: number, to: PeerAddress): FrameSender {
    checkFrameDestination(to, this.o.multicast !== undefined);
    if (!this.o.batchedSends) return new CallbackFrameSender(frameSize, (bytes, dest, cb) => this.sendCb(bytes, dest, cb), to, 'batchedSends is off');
    return new SlabFrameSender(
      frameSize,
      slabIo(this.pipes, (buf, start, length, segmentSize) => {
        const size = segmentSize > 0 ? segmentSize : length;
        for (let at = start; at < start + length; at += size) this.net.transmit(this, buf.subarray(at, Math.min(at + size, start + length)), to);
        return length;
      }),
      to,
    );
  }

  join(group: string, iface?: string): void {
    const ifaceAddr = this.membershipCheck('join', group, iface);
    // The kernel refuses a second join of the same group on the same socket (EADDRINUSE).
    if (this.groups.has(group)) throw new TransportError('TRANSPORT_MEMBERSHIP_FAILED', `join ${group} on ${ifaceAddr} failed: already a member`, { address: group, errno: 'EADDRINUSE' });
    this.groups.add(group);
  }

  leave(group: string, iface?: string): void {
    const ifaceAddr = this.membershipCheck('leave', group, iface);
    if (!this.groups.delete(group)) throw new TransportError('TRANSPORT_MEMBERSHIP_FAILED', `leave ${group} on ${ifaceAddr} failed: not a member`, { address: group, errno: 'EADDRNOTAVAIL' });
  }

  private membershipCheck(op: string, group: string, iface: string | undefined): string {
    if (this.pipes.isClosed) throw new TransportError('TRANSPORT_CLOSED', `cannot ${op} ${String(group)}: endpoint is closed`);
    requireGroup('group', group);
    let ifaceAddr: string;
    if (iface !== undefined) ifaceAddr = requireIpv4('interface', iface);
    else if (this.o.multicast) ifaceAddr = this.o.multicast.interface;
    else throw new TransportError('TRANSPORT_BAD_OPTION', 'joining a group needs multicast.interface (or an explicit interface)', { option: 'multicast.interface' });
    // A memory host has exactly one interface: its own address.
    if (ifaceAddr !== this.host) throw new TransportError('TRANSPORT_MEMBERSHIP_FAILED', `${op} ${group} on ${ifaceAddr} failed: no such interface on host ${this.host}`, { address: group, errno: 'EADDRNOTAVAIL' });
    return ifaceAddr;
  }

  setMulticastLoopback(on: boolean): void {
    this.requireMulticast('loopback');
    this.loopback = on;
  }

  setMulticastTtl(ttl: number): void {
    this.requireMulticast('ttl');
    this.ttl = requireTtl(ttl);
  }

  private requireMulticast(what: string): void {
    if (this.pipes.isClosed) throw new TransportError('TRANSPORT_CLOSED', `cannot set ${what}: endpoint is closed`);
    if (!this.o.multicast) throw new TransportError('TRANSPORT_BAD_OPTION', `setting ${what} needs multicast options at open`, { option: 'multicast' });
  }

  address(): PeerAddress {
    return { address: this.bindAddress, port: this.port };
  }

  stats(): EndpointStats {
    return this.pipes.stats();
  }

  close(): Promise<void> {
    this.pipes.close();
    this.net.detach(this);
    return Promise.resolve();
  }
}
