import type { Socket } from 'node:dgram';
import { readSync } from 'node:fs';
import type { DatagramBatchSource } from './recvmmsg';

/**
 * Reads a bound UDP socket with read(2) in batches instead of node:dgram's one callback per
 * datagram. For every datagram node:dgram allocates 64 KiB and shrinks it, builds a Buffer with
 * its own prototype, an rinfo object, and enters JavaScript through a full callback scope; and
 * the process is woken for nearly every datagram. A bare counting receiver in the test LAN used
 * 0.94-1.15 CPU s per 200 MiB that way and 0.24-0.30 s with this loop (docs/transport.md).
 *
 * Where recvmmsg(2) is reachable (recvmmsg.ts: koffi on 64-bit Linux) one system call takes up to
 * 64 datagrams; otherwise, or when the kernel answers ENOSYS, one read(2) per datagram.
 *
 * What it costs: neither call is asked who sent a datagram, so `from` is UNKNOWN_PEER; and it
 * needs the socket's file descriptor and a way to stop libuv reading it, which node:dgram only
 * has internally (see `socketReadHandle`). Where either is missing (Windows, another Node) the
 * caller keeps node:dgram's events.
 */

/** Largest IPv4 UDP payload plus slack: read(2) into this never truncates a datagram. */
const SCRATCH_BYTES = 65_536;
/**
 * Datagrams are copied out of the scratch buffer into slabs of this size, one view each: a few
 * hundred datagrams share one allocation instead of one 8 KiB pool slab per five (Buffer's pool),
 * which kept V8's array-buffer sweeper and the allocator busy. A listener that keeps a datagram
 * keeps its slab (castpoint's engine copies what it holds).
 */
const SLAB_BYTES = 256 * 1024;
/** Datagrams read in one go before other callbacks get a turn. */
const DEFAULT_BUDGET = 256;
/**
 * The pause after the socket was found empty. With 8 MiB of receive buffer a 1 ms pause holds
 * ~0.1 MiB at 1 Gbit/s; once the socket has been empty for IDLE_AFTER_EMPTY pauses in a row (no
 * transfer running) the pause grows to IDLE_NAP_MS, so an idle agent is not polling a thousand
 * times a second.
 */
const NAP_MS = 1;
const IDLE_NAP_MS = 5;
const IDLE_AFTER_EMPTY = 200;

export interface ReadHandle {
  readonly fd: number;
  /** Stops libuv reading the socket (the batched loop reads instead). */
  recvStop(): void;
}

/**
 * node:dgram's handle for `sock` on Linux, where it exposes what the loop needs (Node 20 does: a
 * numeric `fd` and `recvStop` on the handle kept under the socket's "state symbol"),
 * else undefined: other platforms (Windows has no descriptor to read; macOS is untested) and a
 * Node without that handle fall back to node:dgram's events. Only ever probed, never patched.
 */
export function socketReadHandle(sock: Socket, platform: NodeJS.Platform = process.platform): ReadHandle | undefined {
  if (platform !== 'linux') return undefined;
  const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  if (sym === undefined) return undefined;
  const state = (sock as unknown as Record<symbol, { handle?: unknown } | undefined>)[sym];
  const handle = state?.handle as { fd?: unknown; recvStop?: unknown } | undefined;
  if (!handle || typeof handle.fd !== 'number' || handle.fd < 0 || typeof handle.recvStop !== 'function') return undefined;
  const h = handle as { fd: number; recvStop(): number };
  return { fd: h.fd, recvStop: () => void h.recvStop() };
}

export interface BatchedReaderOptions {
  /** Datagrams per turn. @default 256 */
  readonly budget?: number;
  /**
   * Hand each datagram over as a view of the reader's own buffer, valid only until `deliver`
   * returns (the next read overwrites it), instead of a copy in a slab. For a consumer that copies
   * what it keeps: it saves the copy and, more, the fresh slab every ~180 datagrams, whose pages
   * the kernel must fault in and clear (~0.08 CPU s per agent and 200 MiB here). @default false
   */
  readonly lend?: boolean;
  /** Reads one datagram into `into`, returning its length; throws as fs.readSync does. @default read(2) */
  readonly read?: (fd: number, into: Buffer) => number;
  /**
   * Reads many datagrams per call (recvmmsg.ts's loadRecvMmsg); `read` is used when absent, and
   * instead of it from the first call that fails with ENOSYS. @default one `read` per datagram
   */
  readonly batchSource?: DatagramBatchSource;
}

export interface BatchedReaderStats {
  readonly datagrams: number;
  /** Times the socket was found empty, or drained by a short batch (each followed by a pause). */
  readonly emptyReads: number;
  /** System calls made to read (recvmmsg or read(2)), the ones that found nothing included. */
  readonly calls: number;
  /** Why the batch source was given up for read(2) (it answered ENOSYS), if it was. */
  readonly fallback?: string;
}

/** read(2) as a batch source of one datagram at a time, into one scratch buffer. */
class SingleReads implements DatagramBatchSource {
  readonly maxBatch = 1;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private length = 0;

  constructor(private readonly readOne: (fd: number, into: Buffer) => number) {}

  read(fd: number): number {
    try {
      this.length = this.readOne(fd, this.scratch);
      return 1;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
      throw err;
    }
  }

  datagram(): Buffer {
    return this.scratch.subarray(0, this.length);
  }
}

export class BatchedReader {
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private stopped = true;
  private emptyInARow = 0;
  private datagrams = 0;
  private emptyReads = 0;
  private calls = 0;
  private fallback: string | undefined;
  private source: DatagramBatchSource;
  private readonly readOne: (fd: number, into: Buffer) => number;
  /** Allocated at the first copy (never when lending). */
  private slab = Buffer.alloc(0);
  private slabUsed = SLAB_BYTES;
  private readonly budget: number;
  private readonly lend: boolean;

  constructor(
    private readonly fd: number,
    private readonly deliver: (bytes: Buffer) => void,
    private readonly fail: (err: Error) => void,
    opts: BatchedReaderOptions = {},
  ) {
    this.budget = opts.budget ?? DEFAULT_BUDGET;
    this.lend = opts.lend ?? false;
    this.readOne = opts.read ?? ((fd, into) => readSync(fd, into, 0, into.length, null));
    this.source = opts.batchSource ?? new SingleReads(this.readOne);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setImmediate(this.turn);
  }

  /** Stops at once: no read happens after this returns (the fd may be closed and reused next). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
  }

  stats(): BatchedReaderStats {
    const st = { datagrams: this.datagrams, emptyReads: this.emptyReads, calls: this.calls };
    return this.fallback === undefined ? st : { ...st, fallback: this.fallback };
  }

  private readonly turn = (): void => {
    this.timer = undefined;
    let taken = 0;
    while (taken < this.budget && !this.stopped) {
      const source = this.source;
      let n: number;
      try {
        this.calls++;
        n = source.read(this.fd);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'EINTR') {
          taken++; // counted, so a storm of signals cannot hold the loop
          continue;
        }
        if (code === 'ENOSYS' && source.maxBatch > 1) {
          // A kernel (or a seccomp filter) without recvmmsg: the same datagrams, one read(2) each.
          this.fallback = `the batch read failed: ${(err as Error).message}`;
          this.source = new SingleReads(this.readOne);
          continue;
        }
        this.stopped = true;
        this.fail(err as Error);
        return;
      }
      if (n === 0) return this.pause();
      this.emptyInARow = 0;
      for (let i = 0; i < n && !this.stopped; i++) {
        const bytes = source.datagram(i);
        this.datagrams++;
        this.deliver(this.lend ? bytes : this.copyOut(bytes));
      }
      taken += n;
      // A short batch emptied the socket: asking again now would only be told EAGAIN.
      if (n < source.maxBatch && !this.stopped) return this.pause();
    }
    // The budget is used up, or a listener stopped us: other callbacks (timers, file I/O) first.
    if (!this.stopped) this.timer = setImmediate(this.turn);
  };

  /** A copy of `bytes` (a view the next read overwrites) in a slab: a view of its own. */
  private copyOut(bytes: Buffer): Buffer {
    const n = bytes.length;
    if (n > SLAB_BYTES / 4) return Buffer.from(bytes);
    if (this.slabUsed + n > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    bytes.copy(this.slab, at, 0, n);
    // 8-byte steps keep every datagram's start aligned for typed-array views over it.
    this.slabUsed = (at + n + 7) & ~7;
    return this.slab.subarray(at, at + n);
  }

  private pause(): void {
    this.emptyReads++;
    this.emptyInARow++;
    this.timer = setTimeout(this.turn, this.emptyInARow > IDLE_AFTER_EMPTY ? IDLE_NAP_MS : NAP_MS);
  }
}
