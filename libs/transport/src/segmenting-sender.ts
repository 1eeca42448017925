// Coalesces the datagrams handed over in one turn of the event loop into UDP_SEGMENT sends: a run
// of equal-sized datagrams to one destination (the last may be shorter) goes as one send of their
// concatenation, which the kernel cuts back into the same datagrams. Each datagram is already
// framed and authenticated when it arrives here: segmentation only moves bytes.
//
// The socket option applies to every send on the socket, including ones libuv queued and has not
// yet written, so it is only changed when none of this sender's sends is pending; until then
// later datagrams wait, in order. Pure logic over an injected I/O (segmenting-sender.spec.ts).
import type { PeerAddress, SendCallback } from './endpoint';
import { TransportError } from './errors';

export interface SegmentLimits {
  /** Datagrams per send at most: a batch is a burst on the wire. @default 16 */
  readonly maxSegments: number;
  /** Bytes per send at most (a UDP payload is at most 65,507 bytes). @default 65000 */
  readonly maxBytes: number;
  /**
   * Largest datagram sent as a segment: the link's MTU less 28 bytes of IPv4 and UDP header (the
   * kernel refuses a segment size that would fragment). Longer datagrams go on their own.
   * @default 1472 (a 1500-byte MTU)
   */
  readonly maxSegmentSize: number;
}

export const DEFAULT_SEGMENT_LIMITS: SegmentLimits = { maxSegments: 16, maxBytes: 65_000, maxSegmentSize: 1472 };

export interface Planned {
  readonly bytes: Uint8Array;
  readonly to: PeerAddress;
}

/** A run of the queue, [start, end): `segmentSize` 0 for a datagram sent on its own. */
export interface Batch {
  readonly start: number;
  readonly end: number;
  readonly segmentSize: number;
}

const sameTo = (a: PeerAddress, b: PeerAddress): boolean => a.port === b.port && a.address === b.address;

/** Splits a queue, in order, into runs that one UDP_SEGMENT send can carry. */
export function planBatches(queue: readonly Planned[], limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < queue.length; ) {
    const end = batchEnd(queue, i, limits);
    out.push({ start: i, end, segmentSize: segmentSizeOf(queue, i, end) });
    i = end;
  }
  return out;
}

/** Where the run that starts at queue[start] ends (exclusive): planBatches' next batch, and only it. */
export function batchEnd(queue: readonly Planned[], start: number, limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS): number {
  const first = queue[start] as Planned;
  const size = first.bytes.length;
  let j = start + 1;
  let total = size;
  while (size <= limits.maxSegmentSize && j < queue.length && j - start < limits.maxSegments) {
    const next = queue[j] as Planned;
    const len = next.bytes.length;
    if (!sameTo(next.to, first.to) || len > size || len === 0 || total + len > limits.maxBytes) break;
    total += len;
    j++;
    // A shorter datagram can only be the last segment.
    if (len < size) break;
  }
  return j;
}

/** The UDP_SEGMENT size of the run [start, end): its first datagram's length, 0 for a lone datagram. */
function segmentSizeOf(queue: readonly Planned[], start: number, end: number): number {
  return end - start > 1 ? (queue[start] as Planned).bytes.length : 0;
}

/** What the sender needs from the socket. */
export interface SegmentIo {
  /** Sets the socket's UDP_SEGMENT size (0 = off); throws when the kernel refuses. */
  setSegmentSize(size: number): void;
  /** One send of the buffers' concatenation (node:dgram's send with a list). */
  send(bufs: readonly Uint8Array[], to: PeerAddress, cb: (err?: Error | null) => void): void;
  /** Runs `fn` once the current turn's sends were all handed over (process.nextTick). */
  defer(fn: () => void): void;
}

interface Queued extends Planned {
  readonly cb: SendCallback;
}

/**
 * Errors with which the kernel refuses a segmented send it cannot carry (no checksum offload, MTU):
 * this sender and the frame sender then send one datagram at a time.
 */
export const SEGMENT_REFUSALS: ReadonlySet<string> = new Set(['EIO', 'EINVAL', 'EMSGSIZE', 'ENOPROTOOPT', 'EOPNOTSUPP']);

export class SegmentingSender {
  private queue: Queued[] = [];
  private scheduled = false;
  /** This sender's sends handed to the socket and not completed. */
  private pending = 0;
  /** The socket's UDP_SEGMENT value now. */
  private segment = 0;
  private disabledWhy: string | undefined;
  /** Sends that carried more than one datagram, and the datagrams they carried. */
  private segmentedSends = 0;
  private segmentedDatagrams = 0;

  constructor(
    private readonly io: SegmentIo,
    private readonly limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS,
  ) {}

  /** Why segmentation was turned off (the kernel refused it), or undefined while it is on. */
  get disabled(): string | undefined {
    return this.disabledWhy;
  }

  get stats(): { readonly segmentedSends: number; readonly segmentedDatagrams: number } {
    return { segmentedSends: this.segmentedSends, segmentedDatagrams: this.segmentedDatagrams };
  }

  send(bytes: Uint8Array, to: PeerAddress, cb: SendCallback): void {
    this.queue.push({ bytes, to, cb });
    if (!this.scheduled) {
      this.scheduled = true;
      this.io.defer(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Sends what the queue holds, in order, until a datagram needs the option changed while sends are
   * pending. Only the next batch is planned each time round: planning the whole queue per batch
   * made a turn's burst (up to ~350 datagrams at 500 Mbit/s) cost quadratic time and a Batch object
   * per datagram still queued, every batch. The queue's head is always the next datagram (a send
   * callback may run inside dispatch and put refused datagrams back in front).
   */
  private flush(): void {
    while (this.queue.length > 0) {
      const end = this.disabledWhy === undefined ? batchEnd(this.queue, 0, this.limits) : 1;
      const segmentSize = segmentSizeOf(this.queue, 0, end);
      const wanted = this.wantedSegment(segmentSize);
      if (wanted !== this.segment) {
        if (this.pending > 0) return; // resumed by the last completion
        if (!this.setSegment(wanted)) {
          if (this.segment === 0) continue; // now disabled: plan again without segmentation
          // The option is stuck at a size this datagram does not fit: sending it would cut it.
          const q = this.queue.shift() as Queued;
          q.cb(new TransportError('TRANSPORT_SEND_FAILED', `cannot turn UDP_SEGMENT off for a ${q.bytes.length}-byte datagram (${this.disabledWhy ?? ''})`, { address: q.to.address, port: q.to.port }));
          continue;
        }
      }
      const items = this.queue.splice(0, end);
      this.dispatch(items, segmentSize);
    }
  }

  /** The option value a batch needs: its segment size; for a lone datagram, keep one it fits under. */
  private wantedSegment(segmentSize: number): number {
    if (segmentSize > 0) return segmentSize;
    const len = (this.queue[0] as Queued).bytes.length;
    return this.segment === 0 || len <= this.segment ? this.segment : 0;
  }

  private setSegment(size: number): boolean {
    try {
      this.io.setSegmentSize(size);
      this.segment = size;
      return true;
    } catch (err) {
      this.disable(`setting UDP_SEGMENT to ${size} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private disable(why: string): void {
    this.disabledWhy ??= why;
  }

  private dispatch(items: Queued[], segmentSize: number): void {
    this.pending++;
    if (segmentSize > 0) {
      this.segmentedSends++;
      this.segmentedDatagrams += items.length;
    }
    this.io.send(
      items.map((q) => q.bytes),
      (items[0] as Queued).to,
      (err) => {
        this.pending--;
        const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
        if (err && segmentSize > 0 && code !== undefined && SEGMENT_REFUSALS.has(code)) {
          // The kernel sent none of it: off for good, and these go again one by one, first in line.
          this.disable(`a segmented send failed: ${code}`);
          this.segmentedSends--;
          this.segmentedDatagrams -= items.length;
          this.queue.unshift(...items);
        } else {
          for (const q of items) q.cb(err ?? undefined);
        }
        if (this.pending === 0 && this.queue.length > 0 && !this.scheduled) this.flush();
      },
    );
  }
}
