// The send path for a pacing loop's datagrams (the DP's data packets): the caller writes each
// datagram in place into a frame this sender owns, then commits it; frames of one turn of the event
// loop leave together. Two implementations behind one interface:
// - SlabFrameSender: frames are consecutive slices of a slab, so a run of them is already the
//   concatenation one UDP_SEGMENT send needs. A slab leaves in one synchronous system call through
//   an injected `sendSegments` (the native add-on's sendmsg on a real socket; the in-memory twin
//   cuts it into datagrams). No object is made per datagram: no request, no closure, no view.
// - CallbackFrameSender: recycled frames, each sent with the endpoint's sendCb. Where there is no
//   add-on (Windows, a build without a compiler), the fallback.
// Pure logic over injected I/O (frame-sender.spec.ts).
import { constants } from 'node:os';
import type { PeerAddress, SendCallback } from './endpoint';
import { errnoName, TransportError } from './errors';
import { isMulticast4, requireIpv4 } from './ipv4';
import { SEGMENT_REFUSALS } from './segmenting-sender';

/** Datagrams written in place and sent in order. */
export interface FrameSender {
  /** Every frame's size: the largest datagram this sender takes. */
  readonly frameSize: number;
  /**
   * The buffer the next datagram is written into, `frameSize` bytes from its start, whatever bytes
   * were there. The same one until it is committed (a packet that failed to encode is not sent).
   */
  frame(): Uint8Array;
  /**
   * Sends the first `length` bytes of the frame frame() gave. `done` runs once the socket took
   * them, or with a TransportError; the frame must not be touched after this call.
   */
  commit(length: number, done: SendCallback): void;
  /** Frames made so far: about the datagrams in flight at the busiest moment, not the ones sent. */
  readonly framesAllocated: number;
  /** 'segmented': runs of frames leave as UDP_SEGMENT sends; else one send per datagram. */
  readonly mode: 'segmented' | 'per-datagram';
  /** Why this sender sends one datagram per system call or per node:dgram send, when it does. */
  readonly fallback: string | undefined;
  /** Times a send found the socket's buffer full and waited (the link or its queue pushing back). */
  readonly retries: number;
}

/** What a slab sender needs from its socket. */
export interface SegmentSendIo {
  /**
   * One synchronous send of buf[start, start + length): as datagrams of `segmentSize` bytes (the
   * last may be shorter) when segmentSize > 0, else as one datagram. The bytes taken, or -errno
   * (-EAGAIN: the socket's buffer is full, try again later).
   */
  sendSegments(buf: Uint8Array, start: number, length: number, segmentSize: number): number;
  /** Runs `fn` once the current turn's commits are in (process.nextTick). */
  defer(fn: () => void): void;
  /** Runs `fn` after `ms` (a retry after EAGAIN). */
  later(fn: () => void, ms: number): void;
  /** Counts datagrams that left (the endpoint's stats). */
  sent(datagrams: number, bytes: number): void;
}

export interface SlabLimits {
  /** Datagrams per send at most: a slab is a burst on the wire. @default 16 */
  readonly maxSegments: number;
  /** Bytes per send at most (one UDP send carries at most 65,507). @default 65000 */
  readonly maxBytes: number;
  /** Send each datagram on its own (no UDP_SEGMENT) from the start, and say why. */
  readonly unsegmented?: string;
}

export const DEFAULT_SLAB_LIMITS: SlabLimits = { maxSegments: 16, maxBytes: 65_000 };

const ERRNO = constants.errno;
/** The socket's buffer is full: the same bytes go again after a pause. */
const RETRY = new Set([ERRNO.EAGAIN, ERRNO.EWOULDBLOCK, ERRNO.ENOBUFS]);
/** The pause before a send that found the socket's buffer full is tried again. */
const RETRY_MS = 1;


/** A frame sender's destination, checked once: multicast needs a pinned interface, as sendCb does. */
export function checkFrameDestination(to: PeerAddress, hasMulticastInterface: boolean): void {
  requireIpv4('to.address', to.address);
  if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65_535) throw new TransportError('TRANSPORT_BAD_OPTION', `to.port must be 1-65535, got ${to.port}`, { option: 'to.port' });
  if (!hasMulticastInterface && isMulticast4(to.address)) throw new TransportError('TRANSPORT_BAD_OPTION', `sending to group ${to.address} needs multicast.interface`, { address: to.address, option: 'multicast.interface' });
}

/** What slabIo needs of an endpoint's shared half (DatagramPipes). */
export interface SlabIoOwner {
  readonly isClosed: boolean;
  countSent(datagrams: number, bytes: number): void;
}

/**
 * A slab sender's I/O on an endpoint: `send` is the endpoint's one synchronous send (the add-on's
 * sendmsg, or the twin's transmit). Once the endpoint is closed nothing is sent (-EBADF): a
 * socket's descriptor number may already be another file's.
 */
export function slabIo(owner: SlabIoOwner, send: SegmentSendIo['sendSegments']): SegmentSendIo {
  return {
    sendSegments: (buf, start, length, segmentSize) => (owner.isClosed ? -ERRNO.EBADF : send(buf, start, length, segmentSize)),
    defer: (fn) => process.nextTick(fn),
    later: (fn, ms) => void setTimeout(fn, ms),
    sent: (datagrams, bytes) => owner.countSent(datagrams, bytes),
  };
}

interface Slab {
  readonly buf: Uint8Array;
  /** frames[i] = buf[i * frameSize, (i + 1) * frameSize): made once with the slab. */
  readonly frames: readonly Uint8Array[];
  /** The callbacks of the committed frames, [0, count). */
  readonly dones: (SendCallback | undefined)[];
  count: number;
  /** The last committed frame's length: only the last may be shorter than frameSize. */
  lastLength: number;
  /** Frames already sent, when segmentation is off and a send found the buffer full midway. */
  sent: number;
}

export class SlabFrameSender implements FrameSender {
  readonly framesPerSlab: number;
  private filling: Slab | undefined;
  /** Closed slabs, in order, waiting for their send (the socket's buffer was full). */
  private readonly queue: Slab[] = [];
  private readonly free: Slab[] = [];
  private slabs = 0;
  private scheduled = false;
  private retrying = false;
  private flushing = false;
  private unsegmented: string | undefined;
  retries = 0;

  constructor(
    readonly frameSize: number,
    private readonly io: SegmentSendIo,
    private readonly to: PeerAddress,
    limits: SlabLimits = DEFAULT_SLAB_LIMITS,
  ) {
    if (!Number.isInteger(frameSize) || frameSize < 1 || frameSize > 65_507) throw new TransportError('TRANSPORT_BAD_OPTION', `frameSize must be an integer from 1 to 65507, got ${frameSize}`, { option: 'frameSize' });
    this.framesPerSlab = Math.max(1, Math.min(limits.maxSegments, Math.floor(limits.maxBytes / frameSize)));
    this.unsegmented = limits.unsegmented ?? (this.framesPerSlab === 1 ? `a ${frameSize}-byte frame fills a send on its own` : undefined);
  }

  get framesAllocated(): number {
    return this.slabs * this.framesPerSlab;
  }

  get mode(): FrameSender['mode'] {
    return this.unsegmented === undefined ? 'segmented' : 'per-datagram';
  }

  get fallback(): string | undefined {
    return this.unsegmented;
  }

  frame(): Uint8Array {
    const slab = (this.filling ??= this.takeSlab());
    return slab.frames[slab.count] as Uint8Array;
  }

  commit(length: number, done: SendCallback): void {
    const slab = this.filling;
    if (slab === undefined) throw new TransportError('TRANSPORT_BAD_OPTION', 'commit() without a frame: call frame() first', { option: 'frame' });
    if (!Number.isInteger(length) || length < 1 || length > this.frameSize) throw new TransportError('TRANSPORT_BAD_OPTION', `a frame holds 1 to ${this.frameSize} bytes, got ${length}`, { option: 'length' });
    slab.dones[slab.count++] = done;
    slab.lastLength = length;
    // A shorter datagram can only be a run's last segment; a full slab is a full send.
    if (length < this.frameSize || slab.count === this.framesPerSlab) {
      this.close();
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      this.io.defer(this.endOfTurn);
    }
  }

  /** The commits of this turn are in: what was filled leaves now. */
  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    this.close();
    this.flush();
  };

  private readonly retry = (): void => {
    this.retrying = false;
    this.flush();
  };

  private close(): void {
    const slab = this.filling;
    if (slab === undefined || slab.count === 0) return;
    this.filling = undefined;
    this.queue.push(slab);
  }

  private takeSlab(): Slab {
    const slab = this.free.pop();
    if (slab) return slab;
    this.slabs++;
    const buf = Buffer.allocUnsafeSlow(this.frameSize * this.framesPerSlab);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < this.framesPerSlab; i++) frames.push(buf.subarray(i * this.frameSize, (i + 1) * this.frameSize));
    return { buf, frames, dones: new Array<SendCallback | undefined>(this.framesPerSlab).fill(undefined), count: 0, lastLength: 0, sent: 0 };
  }

  /** Sends the queued slabs in order, until the socket's buffer is full (then again in RETRY_MS). */
  private flush(): void {
    // A completion may commit more (a loop resumed inside it): the outer flush sends those too.
    if (this.flushing || this.retrying) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const slab = this.queue[0] as Slab;
        const err = this.unsegmented === undefined && slab.count > 1 ? this.sendSegmented(slab) : this.sendEach(slab);
        if (err === 'again') {
          this.retries++;
          this.retrying = true;
          this.io.later(this.retry, RETRY_MS);
          return;
        }
        this.queue.shift();
        this.complete(slab, err);
      }
    } finally {
      this.flushing = false;
    }
  }

  private bytesOf(slab: Slab, from: number): number {
    return (slab.count - 1 - from) * this.frameSize + slab.lastLength;
  }

  /** One send for the whole slab; a refusal turns segmentation off and sends it one by one. */
  private sendSegmented(slab: Slab): TransportError | 'again' | undefined {
    const length = this.bytesOf(slab, 0);
    const n = this.io.sendSegments(slab.buf, 0, length, this.frameSize);
    if (n >= 0) {
      this.io.sent(slab.count, length);
      return undefined;
    }
    if (RETRY.has(-n)) return 'again';
    if (SEGMENT_REFUSALS.has(errnoName(-n))) {
      // The kernel sent none of it: off for good, and these go again one at a time.
      this.unsegmented = `a segmented send was refused: ${errnoName(-n)}`;
      return this.sendEach(slab);
    }
    return this.error(-n);
  }

  /** The slab's frames from `slab.sent` on, one datagram per send. */
  private sendEach(slab: Slab): TransportError | 'again' | undefined {
    while (slab.sent < slab.count) {
      const i = slab.sent;
      const length = i === slab.count - 1 ? slab.lastLength : this.frameSize;
      const n = this.io.sendSegments(slab.buf, i * this.frameSize, length, 0);
      if (n < 0) return RETRY.has(-n) ? 'again' : this.error(-n);
      this.io.sent(1, length);
      slab.sent++;
    }
    return undefined;
  }

  private error(errno: number): TransportError {
    const code = errnoName(errno);
    return new TransportError('TRANSPORT_SEND_FAILED', `send to ${this.to.address}:${this.to.port} failed: ${code}`, { address: this.to.address, port: this.to.port, errno: code });
  }

  /** Runs the slab's callbacks, then frees it (not before: a callback may take a frame). */
  private complete(slab: Slab, err: TransportError | undefined): void {
    const count = slab.count;
    for (let i = 0; i < count; i++) {
      const done = slab.dones[i] as SendCallback;
      slab.dones[i] = undefined;
      done(err);
    }
    slab.count = 0;
    slab.sent = 0;
    slab.lastLength = 0;
    this.free.push(slab);
  }
}

/**
 * Frames sent one by one through a callback send (UdpEndpoint.sendCb), recycled when their send
 * completes. The fallback where no synchronous segmented send exists.
 */
export class CallbackFrameSender implements FrameSender {
  readonly mode = 'per-datagram';
  /** node:dgram queues in libuv when the socket's buffer is full: nothing here waits. */
  readonly retries = 0;
  private readonly free: Uint8Array[] = [];
  private current: Uint8Array | undefined;
  private made = 0;

  constructor(
    readonly frameSize: number,
    private readonly sendCb: (bytes: Uint8Array, to: PeerAddress, cb: SendCallback) => void,
    private readonly to: PeerAddress,
    readonly fallback: string | undefined,
    /** Idle frames kept at most: the sends in flight and a pacing burst, a few hundred. */
    private readonly keep = 1024,
  ) {
    if (!Number.isInteger(frameSize) || frameSize < 1 || frameSize > 65_507) throw new TransportError('TRANSPORT_BAD_OPTION', `frameSize must be an integer from 1 to 65507, got ${frameSize}`, { option: 'frameSize' });
  }

  get framesAllocated(): number {
    return this.made;
  }

  frame(): Uint8Array {
    if (this.current) return this.current;
    let f = this.free.pop();
    if (f === undefined) {
      this.made++;
      // Its own memory: a slice of Buffer's shared pool would keep that pool's other users alive.
      f = Buffer.allocUnsafeSlow(this.frameSize);
    }
    this.current = f;
    return f;
  }

  commit(length: number, done: SendCallback): void {
    const f = this.current;
    if (f === undefined) throw new TransportError('TRANSPORT_BAD_OPTION', 'commit() without a frame: call frame() first', { option: 'frame' });
    if (!Number.isInteger(length) || length < 1 || length > this.frameSize) throw new TransportError('TRANSPORT_BAD_OPTION', `a frame holds 1 to ${this.frameSize} bytes, got ${length}`, { option: 'length' });
    this.current = undefined;
    // The socket reads the frame until its send completes: only then may it be written again.
    this.sendCb(length === this.frameSize ? f : f.subarray(0, length), this.to, (err) => {
      if (this.free.length < this.keep) this.free.push(f);
      done(err);
    });
  }
}
