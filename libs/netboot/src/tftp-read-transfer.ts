// The server side of one TFTP read transfer (RFC 1350 lock-step, options of RFC 2347/2348/2349),
// sans-I/O: the app feeds the client's packets with `handle(packet, nowMs)` and the clock with
// `tick(nowMs)`, and sends what the returned actions say. No sockets, no timers in here.
import { encodeTftp, TFTP_DEFAULT_BLKSIZE, TFTP_MAX_BLKSIZE, TftpErrorCode, type TftpPacket } from './tftp-codec';

export interface TftpReadOptions {
  /** Largest block offered when the client asks for a bigger one (1468 fills a 1500-byte frame). @default 1468 */
  readonly maxBlksize?: number;
  /** Retransmit interval when the client names none (option `timeout`, seconds). @default 1000 */
  readonly timeoutMs?: number;
  /** Retransmissions of one packet before the transfer is given up. @default 5 */
  readonly maxRetries?: number;
}

export type TftpAction =
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  /** The last block was acknowledged. */
  | { readonly type: 'done'; readonly bytes: number }
  /** The transfer is over without success; `reason` is for the log. */
  | { readonly type: 'failed'; readonly reason: string };

type State = 'new' | 'oack' | 'data' | 'done' | 'failed';

const FRAME_BLKSIZE = 1468;

export class TftpReadTransfer {
  private state: State = 'new';
  private readonly blksize: number;
  private readonly intervalMs: number;
  private readonly maxRetries: number;
  private readonly accepted: Record<string, string> = {};
  /** Index (0-based) of the block in flight; its wire number is (index + 1) mod 65536. */
  private index = 0;
  private readonly blocks: number;
  private last: Uint8Array = new Uint8Array(0);
  private deadline = 0;
  private retries = 0;

  /**
   * @param file the whole file (boot files are small: undionly.kpxe ~70 KB, ipxe.efi ~1 MB)
   * @param requested the options of the client's RRQ, names lower-case
   */
  constructor(
    private readonly file: Uint8Array,
    requested: Readonly<Record<string, string>>,
    opts: TftpReadOptions = {},
  ) {
    const max = Math.min(opts.maxBlksize ?? FRAME_BLKSIZE, TFTP_MAX_BLKSIZE);
    let blksize = TFTP_DEFAULT_BLKSIZE;
    const b = intOption(requested['blksize'], 8, TFTP_MAX_BLKSIZE);
    // An out-of-range value is left unanswered (RFC 2347: the server omits options it refuses).
    if (b !== undefined) {
      blksize = Math.min(b, max);
      this.accepted['blksize'] = String(blksize);
    }
    let intervalMs = opts.timeoutMs ?? 1000;
    const t = intOption(requested['timeout'], 1, 255);
    if (t !== undefined) {
      intervalMs = t * 1000;
      this.accepted['timeout'] = String(t);
    }
    // RFC 2349: the client sends tsize 0 in a read request and the server answers the size.
    if (requested['tsize'] !== undefined) this.accepted['tsize'] = String(file.length);
    this.blksize = blksize;
    this.intervalMs = intervalMs;
    this.maxRetries = opts.maxRetries ?? 5;
    // A file that is a whole number of blocks ends with an empty block.
    this.blocks = Math.floor(file.length / blksize) + 1;
  }

  get negotiated(): { blksize: number; timeoutMs: number } {
    return { blksize: this.blksize, timeoutMs: this.intervalMs };
  }

  get finished(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  /** The first packet: an OACK when any option was accepted, else DATA block 1. */
  start(nowMs: number): TftpAction[] {
    if (this.state !== 'new') return [];
    if (Object.keys(this.accepted).length > 0) {
      this.state = 'oack';
      return this.send(encodeTftp({ type: 'oack', options: this.accepted }), nowMs);
    }
    this.state = 'data';
    return this.sendBlock(nowMs);
  }

  handle(packet: TftpPacket, nowMs: number): TftpAction[] {
    if (this.finished) return [];
    if (packet.type === 'error') {
      // Error 8 is how a client declines the OACK (RFC 2347); either way the transfer is over.
      this.state = 'failed';
      return [{ type: 'failed', reason: `client error ${packet.code}: ${packet.message}` }];
    }
    if (packet.type !== 'ack') {
      this.state = 'failed';
      return [
        { type: 'send', bytes: encodeTftp({ type: 'error', code: TftpErrorCode.illegalOperation, message: `unexpected ${packet.type} during a read` }) },
        { type: 'failed', reason: `client sent ${packet.type} during a read` },
      ];
    }
    if (this.state === 'oack') {
      if (packet.block !== 0) return [];
      this.state = 'data';
      return this.sendBlock(nowMs);
    }
    // Only the ACK of the block in flight moves on; an old duplicate ACK is ignored, not answered,
    // which avoids the Sorcerer's Apprentice duplication of RFC 1350's first design.
    if (packet.block !== (this.index + 1) % 0x10000) return [];
    this.index++;
    if (this.index >= this.blocks) {
      this.state = 'done';
      return [{ type: 'done', bytes: this.file.length }];
    }
    return this.sendBlock(nowMs);
  }

  /** Retransmits the packet in flight when its time is up; gives up after maxRetries. */
  tick(nowMs: number): TftpAction[] {
    if (this.finished || this.state === 'new' || nowMs < this.deadline) return [];
    if (this.retries >= this.maxRetries) {
      this.state = 'failed';
      return [{ type: 'failed', reason: `no acknowledgement after ${this.maxRetries} retransmissions` }];
    }
    this.retries++;
    this.deadline = nowMs + this.intervalMs;
    return [{ type: 'send', bytes: this.last }];
  }

  /** When tick next has something to do. */
  nextDeadline(): number | undefined {
    return this.finished || this.state === 'new' ? undefined : this.deadline;
  }

  private sendBlock(nowMs: number): TftpAction[] {
    const at = this.index * this.blksize;
    const data = this.file.subarray(at, Math.min(at + this.blksize, this.file.length));
    return this.send(encodeTftp({ type: 'data', block: (this.index + 1) % 0x10000, data }), nowMs);
  }

  private send(bytes: Uint8Array, nowMs: number): TftpAction[] {
    this.last = bytes;
    this.retries = 0;
    this.deadline = nowMs + this.intervalMs;
    return [{ type: 'send', bytes }];
  }
}

function intOption(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}
