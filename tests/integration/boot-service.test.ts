// The DP's boot service on a LAN (issue #25): `castpoint-dp serve --boot` in the server namespace
// of a netlab LAN, scripted PXE and plain DHCP clients in client namespaces (node dgram, real
// broadcasts on the LAN's bridge), and TFTP reads. Nothing here leaves the LAN's namespaces.
import { type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, describeLan, Lan, type Host } from '@castpoint/netlab';
import { classifyClient, decodeDhcp, DhcpOption, encodeDhcp, messageTypeOf, optionData, type DhcpMessage } from '@castpoint/netboot';

const DP = process.env['CASTPOINT_DP_MAIN'] ?? path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');
const PROBE = path.join(__dirname, 'boot/udp-probe.cjs');
const TFTP = path.join(__dirname, 'boot/tftp-get.cjs');
const IPXE = '/usr/lib/ipxe';

const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function discover(xid: number, mac: number, options: Array<[number, Uint8Array]>): DhcpMessage {
  return {
    op: 'request', htype: 1, hops: 0, xid, secs: 0, broadcast: true,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: Uint8Array.of(0x52, 0x54, 0x00, 0x25, 0x00, mac), sname: '', file: '',
    options: [[DhcpOption.messageType, Uint8Array.of(1)] as [number, Uint8Array], ...options].map(([code, data]) => ({ code, data })),
  };
}
const PXE_BIOS: Array<[number, Uint8Array]> = [[DhcpOption.vendorClass, text('PXEClient:Arch:00000:UNDI:002001')], [DhcpOption.clientArch, Uint8Array.of(0, 0)]];
const PXE_UEFI: Array<[number, Uint8Array]> = [[DhcpOption.vendorClass, text('PXEClient:Arch:00007:UNDI:003016')], [DhcpOption.clientArch, Uint8Array.of(0, 7)]];

interface Dp {
  child: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startDp(lan: Lan, host: Host, dataDir: string, extra: readonly string[] = []): Promise<Dp> {
  const child = lan.spawn(host, process.execPath, [DP, 'serve', '--data-dir', dataDir, '--listen', `${host.ip}:8080`, '--mcast-interface', host.ip, '--boot', ...extra]);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const dp: Dp = {
    child,
    log: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  // The boot service starts once the machine store is open: PGlite's first initdb took 57 s on a loaded box.
  return until('the boot service to start', () => /boot service: /.test(out) || child.exitCode !== null, 180_000).then(() => {
    if (child.exitCode !== null) throw new Error(`the DP exited: ${out}`);
    return dp;
  });
}

/** Sends the messages from `host` (port 68, broadcast) and returns the decoded replies, in order. */
async function probe(lan: Lan, host: Host, msgs: DhcpMessage[], untilXid: number, waitMs = 30_000, raw: string[] = [], replies = 1): Promise<DhcpMessage[]> {
  const args = [PROBE, '68', '255.255.255.255', '67', `${untilXid.toString(16).padStart(8, '0')}:${replies}`, String(waitMs), ...raw, ...msgs.map((m) => hex(encodeDhcp(m)))];
  const r = await collect(lan.spawn(host, process.execPath, args), waitMs + 10_000);
  expect(r.stderr).toBe('');
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { hex?: string })
    .flatMap((l) => {
      if (l.hex === undefined) return [];
      const d = decodeDhcp(Buffer.from(l.hex, 'hex'));
      return d.ok && d.value.op === 'reply' ? [d.value] : [];
    });
}

async function tftpGet(lan: Lan, host: Host, server: string, file: string, blksize?: number): Promise<{ size?: number; sha256?: string; oack?: Record<string, string>; error?: { code: number; message: string } }> {
  const r = await collect(lan.spawn(host, process.execPath, [TFTP, server, file, ...(blksize ? [String(blksize)] : [])]), 40_000);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { size?: number };
}

async function metrics(lan: Lan, host: Host, server: string): Promise<string> {
  return (await collect(lan.spawn(host, 'curl', ['-sS', `http://${server}:8080/metrics`]), 20_000)).stdout;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describeLan('boot service on a LAN', () => {
  let lan: Lan | undefined;
  let dir: string;
  beforeAll(() => {
    if (!existsSync(path.join(IPXE, 'undionly.kpxe'))) throw new Error(`${IPXE}/undionly.kpxe is missing: apt-get install ipxe (tools/setup.sh)`);
    lan = Lan.create({ clients: 2, subnet: '10.77.25' });
    dir = mkdtempSync(path.join(tmpdir(), 'cp-boot-lan-'));
  });
  afterAll(() => {
    lan?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('proxyDHCP: answers PXE clients with the file for their firmware, never a plain DHCP client; TFTP serves the file whole and refuses others', async () => {
    if (!lan) throw new Error('no LAN');
    const [c1] = lan.clients;
    if (!c1) throw new Error('no client');
    const dp = await startDp(lan, lan.server, path.join(dir, 'proxy'));
    try {
      // The plain DISCOVER goes first: the PXE ones after it are answered, so it was seen and left alone.
      // Two malformed datagrams first (too short; op 255), then the plain DISCOVER.
      const replies = await probe(lan, c1, [discover(0x1001, 1, []), discover(0x1002, 2, PXE_BIOS), discover(0x1003, 3, PXE_UEFI)], 0x1003, 30_000, ['0101', 'ff'.repeat(300)]);
      expect(replies.map((r) => r.xid)).toEqual([0x1002, 0x1003]);
      const [bios, uefi] = replies;
      expect(bios).toMatchObject({ yiaddr: '0.0.0.0', siaddr: lan.server.ip, file: 'undionly.kpxe' });
      expect(uefi).toMatchObject({ yiaddr: '0.0.0.0', siaddr: lan.server.ip, file: 'ipxe.efi' });
      if (!bios) throw new Error('no offer');
      expect(messageTypeOf(bios)).toBe('offer');
      expect(classifyClient(bios).pxe).toBe(true);
      expect([...(optionData(bios, DhcpOption.serverId) ?? [])].join('.')).toBe(lan.server.ip);

      // iPXE asks again (user class iPXE) and gets its script URL.
      const ipxe = await probe(lan, c1, [discover(0x1004, 4, [...PXE_BIOS, [DhcpOption.userClass, text('iPXE')]])], 0x1004);
      expect(ipxe[0]?.file).toBe(`http://${lan.server.ip}:8080/boot/ipxe?mac=\${netX/mac}&uuid=\${uuid}`);

      const got = await tftpGet(lan, c1, lan.server.ip, 'undionly.kpxe', 1468);
      expect(got).toMatchObject({ size: readFileSync(path.join(IPXE, 'undionly.kpxe')).length, sha256: sha(path.join(IPXE, 'undionly.kpxe')) });
      expect(got.oack).toMatchObject({ blksize: '1468', tsize: String(got.size) });
      expect(await tftpGet(lan, c1, lan.server.ip, 'ipxe.efi')).toMatchObject({ sha256: sha(path.join(IPXE, 'ipxe.efi')) });
      for (const bad of ['../../../etc/passwd', '/usr/lib/ipxe/undionly.kpxe', 'qemu/../undionly.kpxe', 'ipxe.lkrn']) {
        expect(await tftpGet(lan, c1, lan.server.ip, bad)).toMatchObject({ error: { code: 1 } });
      }

      const m = await metrics(lan, c1, lan.server.ip);
      expect(m).toMatch(/castpoint_dp_boot_dhcp_malformed_total\{code="short"\} 1/);
      expect(m).toMatch(/castpoint_dp_boot_dhcp_malformed_total\{code="bad-op"\} 1/);
      expect(m).toMatch(/castpoint_dp_boot_dhcp_ignored_total\{reason="not-pxe"\} 1/);
      expect(m).toMatch(/castpoint_dp_boot_dhcp_replies_total\{kind="proxy-offer"\} 3/);
      expect(m).toMatch(/castpoint_dp_boot_tftp_transfers_total\{outcome="done"\} 2/);
      expect(m).toMatch(/castpoint_dp_boot_tftp_transfers_total\{outcome="refused"\} 4/);
    } finally {
      await dp.stop();
    }
  }, 400_000);

  it('two DPs answering PXE on one LAN: each sees and logs the other', async () => {
    if (!lan) throw new Error('no LAN');
    const [c1, c2] = lan.clients;
    if (!c1 || !c2) throw new Error('no clients');
    const a = await startDp(lan, lan.server, path.join(dir, 'rival-a'));
    const b = await startDp(lan, c2, path.join(dir, 'rival-b'));
    try {
      const replies = await probe(lan, c1, [discover(0x2001, 5, PXE_BIOS)], 0x2001, 30_000, [], 2);
      expect(new Set(replies.map((r) => r.siaddr))).toEqual(new Set([lan.server.ip, c2.ip]));
      await until('the rival warning', () => a.log().includes(`another server (${c2.ip}) offers PXE boots`), 20_000);
      await until('the rival warning', () => b.log().includes(`another server (${lan?.server.ip ?? ''}) offers PXE boots`), 20_000);
      expect(await metrics(lan, c1, lan.server.ip)).toMatch(new RegExp(`castpoint_dp_boot_rival_offers_total\\{server="${c2.ip.replace(/\./g, '\\.')}"\\} 1`));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 400_000);

  it('with --dhcp-range it leases a plain client an address (offer, then ack); --boot-efi snponly.efi is what UEFI clients get', async () => {
    if (!lan) throw new Error('no LAN');
    const [c1] = lan.clients;
    if (!c1) throw new Error('no client');
    const dp = await startDp(lan, lan.server, path.join(dir, 'lab'), ['--dhcp-range', '10.77.25.100,10.77.25.150,255.255.255.0', '--boot-efi', 'snponly.efi']);
    try {
      const [offer] = await probe(lan, c1, [discover(0x3001, 6, [])], 0x3001);
      expect(offer).toMatchObject({ xid: 0x3001, yiaddr: '10.77.25.100', file: '' });
      if (!offer) throw new Error('no offer');
      expect(messageTypeOf(offer)).toBe('offer');
      const request: DhcpMessage = {
        ...discover(0x3002, 6, []),
        options: [
          { code: DhcpOption.messageType, data: Uint8Array.of(3) },
          { code: DhcpOption.requestedAddress, data: Uint8Array.of(10, 77, 25, 100) },
          { code: DhcpOption.serverId, data: Uint8Array.from(lan.server.ip.split('.').map(Number)) },
        ],
      };
      const [ack] = await probe(lan, c1, [request], 0x3002);
      expect(ack).toMatchObject({ xid: 0x3002, yiaddr: '10.77.25.100' });
      if (!ack) throw new Error('no ack');
      expect(messageTypeOf(ack)).toBe('ack');
      expect([...(optionData(ack, DhcpOption.subnetMask) ?? [])]).toEqual([255, 255, 255, 0]);
      // A PXE client in the lab gets its address and boot file in one offer.
      const [pxe] = await probe(lan, c1, [discover(0x3003, 7, PXE_UEFI)], 0x3003);
      expect(pxe).toMatchObject({ yiaddr: '10.77.25.101', siaddr: lan.server.ip, file: 'snponly.efi' });
      // The start's log names the UEFI file and its iPXE build; a build older than 1.21 (Debian
      // 12's) does not hand UEFI machines back to their firmware after `exit`: warned.
      expect(dp.log()).toContain('"efiFile":"snponly.efi"');
      const build = /"snponly\.efi":"(\d+)\.(\d+)/.exec(dp.log());
      expect(build).not.toBeNull();
      const old = Number(build?.[1]) === 1 && Number(build?.[2]) < 21;
      expect(dp.log().includes('boot service: snponly.efi is iPXE') && dp.log().includes('older than 1.21')).toBe(old);
    } finally {
      await dp.stop();
    }
  }, 400_000);
});
