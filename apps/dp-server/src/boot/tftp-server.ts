// The TFTP side of the boot service: read requests on port 69 for the boot files only, each
// transfer from its own port (RFC 1350's transfer id), driven by the sans-I/O TftpReadTransfer.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeTftp, encodeTftp, TftpErrorCode, TftpReadTransfer, type TftpAction } from '@castpoint/netboot';
import type { FastifyBaseLogger } from 'fastify';
import type { BootFiles } from './boot-files';
import { BootCounters } from './boot-counters';

/** How often running transfers are checked for a retransmission. */
const TICK_MS = 100;
/** Transfers at once; a flood of requests past it is refused with an error, not queued. */
const MAX_TRANSFERS = 256;

interface Running {
  readonly engine: TftpReadTransfer;
  readonly socket: Socket;
  readonly peer: RemoteInfo;
  readonly file: string;
}

export interface TftpServerOptions {
  readonly address: string;
  readonly port: number;
  readonly files: BootFiles;
  readonly counters: BootCounters;
  readonly log: FastifyBaseLogger;
  readonly now: () => number;
}

export class TftpServer {
  private listener: Socket | undefined;
  private readonly running = new Set<Running>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: TftpServerOptions) {}

  /** Binds `address:port`; the listener takes requests only. */
  async start(bindAddress: string): Promise<void> {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    s.on('error', (err) => this.opts.log.error({ err }, 'TFTP listener error'));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.opts.port, bindAddress, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.listener = s;
  }

  /** The port requests are taken on (the asked one, or the one given for port 0). */
  get port(): number {
    return this.listener?.address().port ?? this.opts.port;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.running) r.socket.close();
    this.running.clear();
    const l = this.listener;
    this.listener = undefined;
    if (l) await new Promise<void>((resolve) => l.close(() => resolve()));
  }

  private onRequest(msg: Buffer, peer: RemoteInfo): void {
    const { counters, log, files } = this.opts;
    const d = decodeTftp(msg);
    if (!d.ok) {
      BootCounters.inc(counters.tftpMalformed, d.error.code);
      log.debug({ peer: peer.address, code: d.error.code }, 'malformed TFTP request dropped');
      return;
    }
    const p = d.value;
    if (p.type === 'wrq') {
      BootCounters.inc(counters.tftpTransfers, 'write-refused');
      this.sendError(peer, TftpErrorCode.accessViolation, 'this server is read-only');
      return;
    }
    // Anything else on port 69 belongs to no transfer (those run on their own ports).
    if (p.type !== 'rrq') return;
    const file = files.lookup(p.file);
    if (!file) {
      BootCounters.inc(counters.tftpTransfers, 'refused');
      log.warn({ peer: peer.address, file: p.file.slice(0, 200) }, 'TFTP read refused: not a boot file');
      this.sendError(peer, TftpErrorCode.fileNotFound, 'not a boot file of this server');
      return;
    }
    if (this.running.size >= MAX_TRANSFERS) {
      BootCounters.inc(counters.tftpTransfers, 'busy');
      this.sendError(peer, TftpErrorCode.notDefined, 'server busy, retry');
      return;
    }
    const socket = createSocket('udp4');
    const r: Running = { engine: new TftpReadTransfer(file.bytes, p.options), socket, peer, file: file.name };
    socket.on('error', (err) => {
      log.warn({ err, peer: peer.address, file: file.name }, 'TFTP transfer socket error');
      if (!this.running.has(r)) {
        BootCounters.inc(counters.tftpTransfers, 'failed');
        socket.close();
      }
      this.finish(r, 'failed');
    });
    socket.on('message', (m, from) => this.onTransferPacket(r, m, from));
    socket.bind(0, this.opts.address, () => {
      this.running.add(r);
      this.apply(r, r.engine.start(this.opts.now()));
      this.timer ??= setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    });
  }

  private onTransferPacket(r: Running, m: Buffer, from: RemoteInfo): void {
    if (from.address !== r.peer.address || from.port !== r.peer.port) {
      // RFC 1350: a packet from a stranger gets "unknown transfer ID" and the transfer goes on.
      r.socket.send(encodeTftp({ type: 'error', code: TftpErrorCode.unknownTid, message: 'unknown transfer id' }), from.port, from.address);
      return;
    }
    const d = decodeTftp(m);
    if (!d.ok) {
      BootCounters.inc(this.opts.counters.tftpMalformed, d.error.code);
      return;
    }
    this.apply(r, r.engine.handle(d.value, this.opts.now()));
  }

  private tick(): void {
    const now = this.opts.now();
    for (const r of this.running) this.apply(r, r.engine.tick(now));
    if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private apply(r: Running, actions: readonly TftpAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') r.socket.send(a.bytes, r.peer.port, r.peer.address);
      else if (a.type === 'done') {
        this.opts.log.info({ peer: r.peer.address, file: r.file, bytes: a.bytes, ...r.engine.negotiated }, 'TFTP transfer done');
        this.finish(r, 'done');
      } else {
        this.opts.log.warn({ peer: r.peer.address, file: r.file, reason: a.reason }, 'TFTP transfer failed');
        this.finish(r, 'failed');
      }
    }
  }

  private finish(r: Running, outcome: 'done' | 'failed'): void {
    if (!this.running.delete(r)) return;
    BootCounters.inc(this.opts.counters.tftpTransfers, outcome);
    r.socket.close();
  }

  private sendError(peer: RemoteInfo, code: number, message: string): void {
    this.listener?.send(encodeTftp({ type: 'error', code, message }), peer.port, peer.address);
  }
}
