import { Readable, Writable } from 'node:stream';
import type { Datagram, DatagramListener, EndpointStats, OutgoingDatagram, PeerAddress, SendCallback, TransportWarning } from './endpoint';
import { TransportError } from './errors';
import { checkOutgoing } from './ipv4';

/** The one thing an implementation provides: hand a checked datagram to the network. */
export type RawSend = (bytes: Uint8Array, to: PeerAddress, cb: SendCallback) => void;

/**
 * The stream half shared by the socket and the in-memory endpoint: a readable fed by `deliver()`,
 * a writable bounded by sends in flight, and the counters. Kept apart from the sockets so both
 * implementations have the same backpressure and close semantics by construction.
 */
export class DatagramPipes {
  readonly readable: Readable;
  readonly writable: Writable;
  private closed = false;
  private inFlight = 0;
  private peakInFlight = 0;
  private sentDatagrams = 0;
  private sentBytes = 0;
  private receivedDatagrams = 0;
  private receivedBytes = 0;
  private droppedOnRead = 0;
  /** Writable callbacks waiting for an in-flight send to complete. */
  private readonly waiting: Array<() => void> = [];
  /** How the owner reads its socket; only reported in stats. */
  readMode: EndpointStats['readMode'] = 'per-datagram';
  /** System calls the owner's batched reader made; only reported in stats. */
  readCalls: () => number = () => 0;
  /** How the owner sends; only reported in stats (a getter: segmentation may turn itself off). */
  sendMode: () => EndpointStats['sendMode'] = () => 'per-datagram';
  /** Set by onDatagram: takes datagrams instead of the readable. */
  private listener: DatagramListener | undefined;

  constructor(
    private readonly rawSend: RawSend,
    private readonly maxInFlight: number,
    private readonly readBufferDatagrams: number,
  ) {
    this.readable = new Readable({ objectMode: true, highWaterMark: readBufferDatagrams, read: () => undefined });
    this.writable = new Writable({
      objectMode: true,
      highWaterMark: 16,
      write: (chunk: OutgoingDatagram, _enc, cb) => this.writeOne(chunk, cb),
      final: (cb) => this.whenIdle(() => cb()),
    });
  }

  /**
   * Counts one received datagram and hands it to the direct listener, or queues it on the readable
   * (a fresh `{ address, port }`: `from` may be node's rinfo) and drops it when the reader is this
   * far behind. `lent` bytes are only valid during this call (a reader's buffer): the listener
   * gets them as they are (lendDatagrams), the readable a copy.
   */
  deliver(bytes: Uint8Array, from: PeerAddress, lent = false): void {
    if (this.closed) return;
    this.receivedDatagrams++;
    this.receivedBytes += bytes.length;
    if (this.listener) {
      this.listener(bytes, from);
      return;
    }
    if (this.readable.readableLength >= this.readBufferDatagrams) {
      this.droppedOnRead++;
      return;
    }
    const d: Datagram = { bytes: lent ? Buffer.from(bytes) : bytes, from: { address: from.address, port: from.port } };
    this.readable.push(d);
  }

  onDatagram(listener: DatagramListener): void {
    this.listener = listener;
  }

  emitWarning(w: TransportWarning): void {
    // Deferred so a listener attached right after open still sees it.
    process.nextTick(() => this.readable.emit('warning', w));
  }

  /** Fails the readable side with a socket-level error. */
  fail(err: TransportError): void {
    if (!this.closed) this.readable.destroy(err);
  }

  sendCb(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    if (this.closed) {
      process.nextTick(cb, new TransportError('TRANSPORT_CLOSED', 'endpoint is closed', { address: to.address, port: to.port }));
      return;
    }
    try {
      checkOutgoing(bytes, to);
    } catch (err) {
      process.nextTick(cb, err as Error);
      return;
    }
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    this.rawSend(bytes, to, (err) => {
      this.inFlight--;
      if (!err) {
        this.sentDatagrams++;
        this.sentBytes += bytes.length;
      }
      // One completed send frees one slot for a waiting write.
      this.waiting.shift()?.();
      cb(err);
    });
  }

  /** Counts datagrams the owner sent around sendCb (a frame sender's). */
  countSent(datagrams: number, bytes: number): void {
    this.sentDatagrams += datagrams;
    this.sentBytes += bytes;
  }

  send(bytes: Uint8Array, to: PeerAddress): Promise<void> {
    return new Promise((resolve, reject) => this.sendCb(bytes, to, (err) => (err ? reject(err) : resolve())));
  }

  private writeOne(chunk: OutgoingDatagram, cb: (err?: Error | null) => void): void {
    if (typeof chunk !== 'object' || chunk === null) {
      cb(new TransportError('TRANSPORT_BAD_OPTION', 'writable takes { bytes, to } objects', { option: 'chunk' }));
      return;
    }
    let failed: Error | undefined;
    this.sendCb(chunk.bytes, chunk.to, (err) => {
      // A failed send fails the stream, as any write error does; the error is typed.
      if (err && !failed) {
        failed = err;
        this.writable.destroy(err);
      }
    });
    if (this.closed) return;
    // Accept the next write only once fewer than maxInFlight sends are pending: that is the backpressure.
    if (this.inFlight < this.maxInFlight) cb();
    else this.waiting.push(() => cb());
  }

  private whenIdle(fn: () => void): void {
    if (this.inFlight === 0) {
      fn();
      return;
    }
    const check = (): void => {
      if (this.inFlight === 0) fn();
      else this.waiting.push(check);
    };
    this.waiting.push(check);
  }

  stats(): EndpointStats {
    return {
      sentDatagrams: this.sentDatagrams,
      sentBytes: this.sentBytes,
      receivedDatagrams: this.receivedDatagrams,
      receivedBytes: this.receivedBytes,
      droppedOnRead: this.droppedOnRead,
      inFlight: this.inFlight,
      peakInFlight: this.peakInFlight,
      readMode: this.readMode,
      readCalls: this.readCalls(),
      sendMode: this.sendMode(),
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Marks closed, ends the readable and fails pending writes with TRANSPORT_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readable.push(null);
    const err = new TransportError('TRANSPORT_CLOSED', 'endpoint closed while writes were pending');
    if (!this.writable.writableFinished) this.writable.destroy(this.waiting.length > 0 || this.writable.writableLength > 0 ? err : undefined);
    this.waiting.length = 0;
  }
}
