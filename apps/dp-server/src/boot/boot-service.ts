// The boot service's sockets: DHCP on 67 (proxyDHCP, or the lab's DHCP server), the PXE boot
// server port 4011, a watch on the client port 68 for other servers' offers, and TFTP on 69. All
// protocol decisions are in dhcp-answer.ts and @castpoint/netboot; this file only moves datagrams
// and counts what it drops.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, decodeDhcp, encodeDhcp, PXE_PROXY_PORT, TFTP_PORT } from '@castpoint/netboot';
import type { FastifyBaseLogger } from 'fastify';
import type { BootFiles } from './boot-files';
import { uefiExitWarning } from './ipxe-build';
import { BootCounters } from './boot-counters';
import type { BootSettings } from './boot-settings';
import { answerDhcp, rivalServer, type DhcpAnswerContext } from './dhcp-answer';
import { BootError } from './errors';
import { LeasePool } from './lease-pool';
import { TftpServer } from './tftp-server';

export interface BootServiceOptions {
  readonly settings: BootSettings;
  readonly files: BootFiles;
  /** The DP's HTTP port, for the script URL iPXE is given. */
  readonly httpPort: number;
  readonly log: FastifyBaseLogger;
  readonly counters: BootCounters;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A rival server is logged once per this long (it is counted every time). */
const RIVAL_LOG_EVERY_MS = 10 * 60 * 1000;

/**
 * The script URL handed to iPXE. iPXE expands `${netX/mac}` (the NIC it booted from, where `net0`
 * would be the first NIC whatever booted) and `${uuid}` (SMBIOS) in a DHCP file name before it
 * fetches it, so each machine asks for its own script.
 */
export function scriptUrlFor(address: string, httpPort: number): string {
  return `http://${address}:${httpPort}/boot/ipxe?mac=\${netX/mac}&uuid=\${uuid}`;
}

export class BootService {
  private readonly sockets: Socket[] = [];
  /** Bound to the boot address on 67: every reply on 67 leaves from it. */
  private dhcpTx: Socket | undefined;
  private proxyPort: Socket | undefined;
  private tftp: TftpServer | undefined;
  private readonly ctx: DhcpAnswerContext;
  private readonly now: () => number;
  private readonly rivalsLogged = new Map<string, number>();

  constructor(private readonly opts: BootServiceOptions) {
    const s = opts.settings;
    this.now = opts.now ?? Date.now;
    this.ctx = {
      serverIp: s.address,
      scriptUrl: scriptUrlFor(s.address, opts.httpPort),
      efiFile: s.efiFile,
      ...(s.dhcpRange ? { lab: { range: s.dhcpRange, pool: new LeasePool(s.dhcpRange) } } : {}),
    };
  }

  get scriptUrl(): string {
    return this.ctx.scriptUrl;
  }

  async start(): Promise<void> {
    const { address } = this.opts.settings;
    try {
      // Broadcasts reach only a socket bound to the wildcard address; replies leave from one bound
      // to the boot address, which makes Linux send a 255.255.255.255 reply out of that interface.
      const rx = await this.bind(DHCP_SERVER_PORT, '0.0.0.0', (m, r) => this.onDhcp(DHCP_SERVER_PORT, m, r));
      this.dhcpTx = await this.bind(DHCP_SERVER_PORT, address, (m, r) => this.onDhcp(DHCP_SERVER_PORT, m, r));
      this.dhcpTx.setBroadcast(true);
      rx.setBroadcast(true);
      this.proxyPort = await this.bind(PXE_PROXY_PORT, address, (m, r) => this.onDhcp(PXE_PROXY_PORT, m, r));
      // The watch for rival servers is a help, not a must: a DHCP client of this host may hold 68.
      await this.bind(DHCP_CLIENT_PORT, '0.0.0.0', (m) => this.onClientPort(m)).catch((err: unknown) => {
        this.opts.log.warn({ err: (err as Error).message }, 'boot service: cannot watch UDP 68 for other boot servers on this LAN (two servers would go unnoticed)');
      });
      this.tftp = new TftpServer({ address, port: TFTP_PORT, files: this.opts.files, counters: this.opts.counters, log: this.opts.log, now: this.now });
      await this.tftp.start(address).catch((err: unknown) => {
        throw this.socketError(TFTP_PORT, address, err);
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    const efiFile = this.opts.settings.efiFile;
    const efiBuild = this.opts.files.build(efiFile);
    this.opts.log.info(
      { address, mode: this.ctx.lab ? 'dhcp-server' : 'proxy', dhcpRange: this.opts.settings.dhcpRange ?? null, script: this.ctx.scriptUrl, ipxeDir: this.opts.files.dir, efiFile, ipxe: this.opts.files.builds() },
      this.ctx.lab ? 'boot service: DHCP server of this lab, PXE on 67/4011, TFTP on 69' : 'boot service: proxyDHCP for PXE clients on 67/4011, TFTP on 69',
    );
    const warning = uefiExitWarning(efiFile, efiBuild);
    if (warning) this.opts.log.warn({ file: efiFile, ipxe: efiBuild?.version }, warning);
  }

  async stop(): Promise<void> {
    await this.tftp?.stop();
    this.tftp = undefined;
    this.dhcpTx = undefined;
    this.proxyPort = undefined;
    const all = this.sockets.splice(0);
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private async bind(port: number, address: string, onMessage: (m: Buffer, r: RemoteInfo) => void): Promise<Socket> {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, address, () => {
        s.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      s.close();
      throw this.socketError(port, address, err);
    });
    s.on('message', onMessage);
    s.on('error', (err) => this.opts.log.error({ err, port }, 'boot service socket error'));
    this.sockets.push(s);
    return s;
  }

  private socketError(port: number, address: string, err: unknown): BootError {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'in use (another DHCP/TFTP server on this host?)' : e.code === 'EACCES' ? 'permission denied (ports under 1024 need root or CAP_NET_BIND_SERVICE)' : e.message;
    return new BootError('DP_BOOT_SOCKET', `--boot cannot bind UDP ${address}:${port}: ${why}`, { port, address, errno: e.code ?? '' }, { cause: err });
  }

  private onDhcp(port: 67 | 4011, bytes: Buffer, from: RemoteInfo): void {
    const { counters, log } = this.opts;
    const d = decodeDhcp(bytes);
    if (!d.ok) {
      BootCounters.inc(counters.dhcpMalformed, d.error.code);
      log.debug({ peer: from.address, port, code: d.error.code }, 'malformed DHCP datagram dropped');
      return;
    }
    const a = answerDhcp(port, d.value, this.now(), this.ctx);
    if (a.kind === 'ignore') {
      BootCounters.inc(counters.dhcpIgnored, a.reason);
      if (a.reason === 'unsupported-arch') log.info({ mac: a.client?.mac, arch: a.client?.arch }, 'PXE client of an architecture castpoint has no boot file for: not answered');
      return;
    }
    BootCounters.inc(counters.dhcpReplies, a.what);
    const out = encodeDhcp(a.message);
    const sock = port === PXE_PROXY_PORT ? this.proxyPort : this.dhcpTx;
    // 4011 answers go back where the request came from; on 67 to the relay, or broadcast (the
    // client has no address yet, or only the proxy's offer to read).
    const relay = d.value.giaddr !== '0.0.0.0';
    const [host, toPort] = port === PXE_PROXY_PORT ? [from.address, from.port] : relay ? [d.value.giaddr, DHCP_SERVER_PORT] : ['255.255.255.255', DHCP_CLIENT_PORT];
    sock?.send(out, toPort, host);
    log.info({ mac: a.client.mac, what: a.what, file: a.bootFile ?? null, ...(a.what.startsWith('lease') ? { address: a.message.yiaddr } : {}), arch: a.client.arch ?? null, ipxe: a.client.ipxe }, 'boot: DHCP reply');
  }

  private onClientPort(bytes: Buffer): void {
    const d = decodeDhcp(bytes);
    // Not ours to judge: anything on 68 that does not decode is some client's business.
    if (!d.ok) return;
    const rival = rivalServer(d.value, this.opts.settings.address, this.ctx.lab !== undefined);
    if (rival === undefined) return;
    BootCounters.inc(this.opts.counters.rivalOffers, rival);
    const now = this.now();
    const last = this.rivalsLogged.get(rival);
    if (last === undefined || now - last >= RIVAL_LOG_EVERY_MS) {
      this.rivalsLogged.set(rival, now);
      this.opts.log.warn(
        { server: rival, file: d.value.file || null, lab: this.ctx.lab !== undefined },
        this.ctx.lab ? `another DHCP server (${rival}) answers on this lab LAN: clients may take its offer` : `another server (${rival}) offers PXE boots on this LAN: a PXE client boots whichever answers first`,
      );
    }
  }
}
