// Issue 28, TLS on a LAN: a DP started with `--tls on` (its generated, self-signed certificate) in a
// namespace LAN, and every client pinning that certificate's SHA-256 instead of trusting a CA:
// the admin CLI (--server-fingerprint, or --data-dir on the DP's host), `castpoint-agent deploy
// --server-fingerprint`, `run` with castpoint.fingerprint= on the kernel command line (a file
// bind-mounted over /proc/cmdline in the agent's own mount namespace, as the boot env's kernel
// line gives it), and `refresh --server-fingerprint`. A wrong fingerprint is refused before the
// client's token is sent, with a clear message, and nothing is written. Built processes (dist/).
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { appBundles, placeImage, sha256File, writeSampleImage, type SampleImage } from '@castpoint/bench';
import { collect, describeLan, Lan, waitForLine, type Collected, type Host } from '@castpoint/netlab';
import { readDevice, requireBuilt, workDir } from './e2e-helpers';

const MiB = 1024 * 1024;
const ADMIN = 'tls-lan-admin-token-0123456';
const CLIENT = 'tls-lan-client-token-012345';
/** A fingerprint of no certificate here. */
const WRONG = '00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF';
/** What every target holds before the test: a deployed one differs, an untouched one does not. */
const FILL = 0x5a;
const DISK_BYTES = 8 * MiB;

// refresh reads the firmware's boot entries first on a UEFI host (CI may be one): a stand-in
// efibootmgr lists a PXE entry and changes nothing.
const EFIBOOTMGR = `#!/bin/sh
if [ "$1" = -v ]; then
  printf 'BootCurrent: 0001\\nBootOrder: 0001,0002\\nBoot0001* debian\\tHD(1,GPT,x,0x800,0x100000)/File(\\\\EFI\\\\debian\\\\shimx64.efi)\\nBoot0002* UEFI PXEv4 (MAC:525400000001)\\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400000001,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)\\n'
fi
exit 0
`;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describeLan('an agent over TLS in a LAN (DP --tls on, certificate pinned by fingerprint)', () => {
  requireBuilt();
  const { dp: dpMain, agent } = appBundles();
  let lan: Lan | undefined;
  let work = '';
  let dataDir = '';
  let url = '';
  let fingerprint = '';
  let img: SampleImage;
  let dp: ChildProcess | undefined;
  let dpLog = '';
  let loop: string | undefined;

  const net = (): Lan => {
    if (!lan) throw new Error('no LAN');
    return lan;
  };
  const client = (i: number): Host => {
    const h = net().clients[i];
    if (!h) throw new Error(`no client ${i}`);
    return h;
  };
  /** castpoint-dp's admin CLI on the DP's host, with the flags given (no pin unless given). */
  const admin = (...args: string[]): Promise<Collected> => collect(net().spawn(net().server, process.execPath, [dpMain, ...args, '--server', url, '--token', ADMIN]), 120_000);
  const pinnedAdmin = async (...args: string[]): Promise<Collected> => {
    const r = await admin(...args, '--server-fingerprint', fingerprint);
    if (r.code !== 0) throw new Error(`castpoint-dp ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}${r.stdout}`);
    return r;
  };

  beforeAll(async () => {
    lan = Lan.create({ clients: 2 });
    work = workDir();
    dataDir = path.join(work, 'dp');
    img = await writeSampleImage(path.join(work, 'image.img'), { size: 4 * MiB, seed: 28, full: true });
    const ip = lan.server.ip;
    dp = lan.spawn(lan.server, process.execPath, [dpMain, 'serve', '--data-dir', dataDir, '--listen', `${ip}:8443`, '--mcast-interface', ip, '--admin-token', ADMIN, '--client-token', CLIENT, '--max-rate', '200mbit', '--tls', 'on']);
    // Always drained: a full pipe would block the DP's synchronous logger.
    const keep = (d: Buffer): void => {
      dpLog = (dpLog + d.toString()).slice(-20_000);
    };
    dp.stdout?.on('data', keep);
    dp.stderr?.on('data', keep);
    const line = await waitForLine(dp, /castpoint-dp listening/, 60_000);
    const start = JSON.parse(line) as { url: string; tlsFingerprint?: string };
    url = start.url;
    fingerprint = start.tlsFingerprint ?? '';
    expect(url).toBe(`https://${ip}:8443`);
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await pinnedAdmin('image', 'add', 'img', placeImage(dataDir, img.path));
  }, 180_000);

  afterAll(() => {
    dp?.kill('SIGKILL');
    if (loop) {
      try {
        execFileSync('losetup', ['-d', loop]);
      } catch {
        // already detached
      }
    }
    lan?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the admin CLI pins the generated certificate by --server-fingerprint or, on the DP host, --data-dir; a wrong pin or none is refused with how to fix it', async () => {
    const byDir = await admin('image', 'list', '--json', '--data-dir', dataDir);
    expect({ code: byDir.code, err: byDir.stderr }).toEqual({ code: 0, err: '' });
    expect((JSON.parse(byDir.stdout) as Array<{ name: string }>).map((i) => i.name)).toEqual(['img']);
    const wrong = await admin('image', 'list', '--server-fingerprint', WRONG);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`castpoint-dp: the server at ${url} is not the DP pinned by --server-fingerprint: the DP's TLS certificate has SHA-256 fingerprint ${fingerprint.replace(/:/g, '')}, not the pinned ${WRONG.replace(/:/g, '')}`);
    const none = await admin('image', 'list');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/self[- ]signed certificate.*; pin the DP's certificate with --server-fingerprint/);
  }, 120_000);

  it('deploy --server-fingerprint: the right one deploys and verifies; a wrong one is refused (exit 3) with the target untouched', async () => {
    const host = client(0);
    const target = (name: string): string => {
      const f = path.join(work, `${name}.img`);
      writeFileSync(f, Buffer.alloc(DISK_BYTES, FILL));
      return f;
    };
    const deploy = (file: string, fp: string): Promise<Collected> =>
      collect(net().spawn(host, process.execPath, [agent, 'deploy', '--server', url, '--token', CLIENT, '--image', 'img', '--target', file, '--interface', host.ip, '--server-fingerprint', fp, '--state-dir', path.join(work, `${path.basename(file)}.state`)]), 240_000);

    const refusedFile = target('refused');
    const refused = await deploy(refusedFile, WRONG);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`The server at ${url} is not the DP pinned by --server-fingerprint: the DP's TLS certificate has SHA-256 fingerprint ${fingerprint.replace(/:/g, '')}, not the pinned ${WRONG.replace(/:/g, '')}`);
    expect(readFileSync(refusedFile).equals(Buffer.alloc(DISK_BYTES, FILL))).toBe(true);

    const goodFile = target('good');
    const good = await deploy(goodFile, fingerprint.toLowerCase());
    expect({ code: good.code, err: good.code === 0 ? '' : `${good.stderr.slice(-1500)}\nDP: ${dpLog.slice(-1500)}` }).toEqual({ code: 0, err: '' });
    expect(good.stdout).toMatch(/verified/);
    expect(sha256(readFileSync(goodFile).subarray(0, img.size))).toBe(img.sha256);
    expect(await sha256File(img.path)).toBe(img.sha256);
  }, 300_000);

  it('run takes castpoint.server=, castpoint.token= and castpoint.fingerprint= from the kernel command line; a wrong fingerprint there leaves the disk untouched', async () => {
    const host = client(1);
    const diskFile = path.join(work, 'run.disk');
    writeFileSync(diskFile, Buffer.alloc(DISK_BYTES, FILL));
    loop = execFileSync('losetup', ['-f', '--show', diskFile], { encoding: 'utf8' }).trim();
    const dev = loop;
    const mac = (await collect(net().spawn(host, 'cat', ['/sys/class/net/eth0/address']), 10_000)).stdout.trim();
    await pinnedAdmin('machine', 'add', 'pc-tls', '--mac', mac);
    await pinnedAdmin('collection', 'add', 'tls-lab');
    await pinnedAdmin('collection', 'add-member', 'tls-lab', 'pc-tls');
    await pinnedAdmin('deployment', 'add', 'tls-win', '--image', 'img', '--collection', 'tls-lab', '--after', 'none');

    // The boot env's kernel line (the DP's boot script writes these words), seen by this agent only.
    const run = (fp: string, stateDir: string): Promise<Collected> => {
      const cmdline = path.join(work, `cmdline-${stateDir}`);
      writeFileSync(cmdline, `BOOT_IMAGE=vmlinuz initrd=initrd.img quiet castpoint.server=${url} castpoint.token=${CLIENT} castpoint.fingerprint=${fp}\n`);
      return collect(
        net().spawn(host, 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /proc/cmdline && exec "$@"', cmdline, process.execPath, agent, 'run', '--disk', `path:${dev}`, '--state-dir', path.join(work, 'run', stateDir), '--interface', host.ip, '--json']),
        240_000,
      );
    };
    const untouched = (): boolean => readDevice(dev, DISK_BYTES).equals(Buffer.alloc(DISK_BYTES, FILL));

    const refused = await run(WRONG, 'wrong');
    expect(refused.code).toBe(3);
    expect(refused.stderr + refused.stdout).toContain(`is not the DP pinned by --server-fingerprint: the DP's TLS certificate has SHA-256 fingerprint ${fingerprint.replace(/:/g, '')}`);
    expect(untouched()).toBe(true);

    const ok = await run(fingerprint, 'right');
    expect({ code: ok.code, err: ok.code === 0 ? '' : `${ok.stderr.slice(-1500)}\nDP: ${dpLog.slice(-1500)}` }).toEqual({ code: 0, err: '' });
    expect(ok.stdout).toContain('"image":"img"');
    expect(sha256(readDevice(dev, img.size))).toBe(img.sha256);
    const [row] = JSON.parse((await pinnedAdmin('history', '--machine', 'pc-tls', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({ deployment: 'tls-win', result: 'ok', image: 'img' });
  }, 300_000);

  it('refresh --server-fingerprint reaches the pinned DP (exit 8: nothing targets this machine) and is refused under a wrong one (exit 3)', async () => {
    const host = client(0);
    const bin = path.join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'efibootmgr'), EFIBOOTMGR);
    chmodSync(path.join(bin, 'efibootmgr'), 0o755);
    const refresh = (fp: string): Promise<Collected> =>
      collect(net().spawn(host, process.execPath, [agent, 'refresh', '--server', url, '--token', CLIENT, '--server-fingerprint', fp, '--no-reboot'], { env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } }), 120_000);
    const wrong = await refresh(WRONG);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain(`The server at ${url} is not the DP pinned by --server-fingerprint`);
    const right = await refresh(fingerprint);
    expect(right.code).toBe(8);
    expect(right.stderr).toMatch(/re-armed nothing: machine unknown-[0-9a-f]{12} has no required deployment to re-arm/);
  }, 120_000);
});
