// A castpoint deployment to qemu VMs in a netlab LAN (tools/vmlab): the VMs start empty, boot the
// castpoint boot environment, receive the image over multicast into their virtio disks, power
// off, and boot the written disk, whose init prints a marker. Used by the VM integration test and
// `npm run demo -- --vms N`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collect, Lan, onInterrupt } from '@castpoint/netlab';
import { buildTestDisk, labMac, startLabDhcp, Vm, type SerialLine } from '@castpoint/vmlab';
import { appBundles, dpCli, startDp } from './fleet';
import { stopDp } from './deployment';

export interface VmDeploymentOptions {
  readonly vms: number;
  readonly workDir: string;
  /** A built boot environment (vmlinuz, initrd.img): see ensureBootenv. */
  readonly bootenv: string;
  /** Console lines as they come, for live output. */
  readonly onLine?: (vm: string, line: SerialLine) => void;
  /** @default 512 */
  readonly memMiB?: number;
  /** The DP's --max-rate. @default '10mbit' */
  readonly maxRate?: string;
  /** @default 'castpoint-vmlab-marker v1' */
  readonly marker?: string;
}

export interface VmTimings {
  readonly name: string;
  readonly mac: string;
  /** Power-on to the boot environment starting the agent. */
  readonly toAgentStart?: number;
  /** First received data to the start of the check (agent progress lines, 1 s resolution). */
  readonly transfer?: number;
  readonly verify?: number;
  /** Agent exit to the marker of the written disk (power-off, power-on, firmware, its kernel). */
  readonly rebootToMarker?: number;
  readonly total?: number;
  readonly agentExit?: number;
  readonly reachedMarker: boolean;
  readonly consoleFirstBoot: string;
  readonly consoleDiskBoot: string;
}

export interface VmDeploymentResult {
  readonly vms: readonly VmTimings[];
  /** Sessions the DP ran for the image (one multicast session serves them all). */
  readonly sessions: ReadonlyArray<Record<string, unknown>>;
  /** The DP's client list at the end (each agent's state and why it left a session). */
  readonly clients: ReadonlyArray<Record<string, unknown>>;
  readonly imageBytes: number;
  readonly wallSeconds: number;
}

const IMAGE = 'vmdisk';

/** The agent's JSON progress state on a console line, if it is one. */
function agentState(text: string): string | undefined {
  const i = text.indexOf('{"');
  if (i < 0) return undefined;
  try {
    const o = JSON.parse(text.slice(i)) as { state?: unknown };
    return typeof o.state === 'string' ? o.state : undefined;
  } catch {
    return undefined;
  }
}

function firstT(lines: readonly SerialLine[], test: (l: SerialLine) => boolean): number | undefined {
  return lines.find(test)?.t;
}

/**
 * The boot environment in `dir`, built (castpoint-dp bootenv build, .deb files cached beside it)
 * unless one newer than the agent executable and the DP bundle is there; the agent executable is packaged first when
 * it is missing or older than the agent bundle.
 */
export function ensureBootenv(dir: string, root = path.resolve(__dirname, '../../..')): string {
  const { dp, agent } = appBundles(root);
  const sea = path.join(root, 'dist/castpoint-agent-linux-x64');
  if (!existsSync(sea) || statSync(sea).mtimeMs < statSync(agent).mtimeMs) {
    execFileSync(process.execPath, [path.join(root, 'apps/client-agent/scripts/package.mjs'), '--only', 'linux-x64'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const manifest = path.join(dir, 'bootenv.json');
  // The DP bundle holds the builder (init, module list): a newer one rebuilds too.
  if (!existsSync(manifest) || statSync(manifest).mtimeMs < Math.max(statSync(sea).mtimeMs, statSync(dp).mtimeMs)) {
    execFileSync(process.execPath, [dp, 'bootenv', 'build', '--out', dir, '--cache', path.join(path.dirname(dir), 'debian'), '--agent', sea], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}

/** Runs the whole VM deployment; tears the LAN, DP and VMs down on the way out. */
export async function runVmDeployment(opts: VmDeploymentOptions): Promise<VmDeploymentResult> {
  const marker = opts.marker ?? 'castpoint-vmlab-marker v1';
  const lan = Lan.create({ clients: 1, subnet: '10.78.0' });
  const vms: Vm[] = [];
  const forget = onInterrupt(() => vms.forEach((v) => v.kill()));
  let dp: Awaited<ReturnType<typeof startDp>> | undefined;
  const t0 = Date.now();
  try {
    const dataDir = path.join(opts.workDir, 'dp-data');
    mkdirSync(path.join(dataDir, 'images'), { recursive: true, mode: 0o700 });
    const disk = buildTestDisk({ out: path.join(dataDir, 'images', 'vmdisk.img'), kernel: path.join(opts.bootenv, 'vmlinuz'), marker });
    // An agent in a TCG VM (every instruction emulated, on a shared 2-core box) keeps up with
    // ~1000 datagrams/s: at 1 Gbit/s and at 40 Mbit/s the VMs lost most packets, and the DP
    // dropped them as silent or moved them to unicast (measured; docs/netboot.md).
    dp = await startDp(lan, lan.server, { dataDir, maxRate: opts.maxRate ?? '10mbit' });
    const add = await dpCli(lan, dp, ['image', 'add', IMAGE, disk.path, '--mode', 'scheduled', '--min-clients', String(opts.vms), '--max-wait', '60']);
    if (add.code !== 0) throw new Error(`image add failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
    const dhcpDir = path.join(opts.workDir, 'dhcp');
    mkdirSync(dhcpDir, { recursive: true });
    const dhcp = startLabDhcp(lan, lan.server, dhcpDir);
    const dhcpEnded = collect(dhcp, 3_600_000).catch(() => undefined);

    const append = [
      'console=ttyS0', 'quiet',
      `castpoint.server=${dp.url}`, `castpoint.token=${dp.clientToken}`, `castpoint.image=${IMAGE}`,
      'castpoint.after=poweroff', 'castpoint.onfail=poweroff',
    ].join(' ');
    const specs = Array.from({ length: opts.vms }, (_, i) => {
      const name = `vm${i + 1}`;
      const file = path.join(opts.workDir, `${name}.disk`);
      writeFileSync(file, '');
      truncateSync(file, 64 * 1024 * 1024);
      return { name, disk: file, mac: labMac(i + 1), tap: lan.addTap(`tap${i + 1}`), memMiB: opts.memMiB ?? 512 };
    });
    const onLine = (vm: Vm, line: SerialLine): void => opts.onLine?.(vm.name, line);
    const first = specs.map((s) => Vm.start(lan, { ...s, direct: { kernel: path.join(opts.bootenv, 'vmlinuz'), initrd: path.join(opts.bootenv, 'initrd.img'), append } }, onLine));
    vms.push(...first);
    await Promise.all(first.map((v) => v.waitForExit(600_000)));
    const second = specs.map((s) => Vm.start(lan, { ...s, boot: 'disk' }, onLine));
    vms.push(...second);
    // The marker's init powers off; firmware that found nothing to boot waits forever: stop it.
    const verdict = new RegExp(`${marker}|No bootable device`);
    await Promise.all(
      second.map(async (v) => {
        const seen = await v.waitFor(verdict, 300_000).catch(() => undefined);
        if (!seen?.text.includes(marker)) v.kill();
        await v.waitForExit(60_000).catch(() => undefined);
      }),
    );
    const sessionsOut = await dpCli(lan, dp, ['session', 'list', '--json']);
    const sessions = (JSON.parse(sessionsOut.stdout || '[]') as Array<Record<string, unknown>>).filter((s) => s['image'] === IMAGE);
    const clientsOut = await dpCli(lan, dp, ['client', 'list', '--json']);
    const clients = JSON.parse(clientsOut.stdout || '[]') as Array<Record<string, unknown>>;

    const timings = specs.map((s, i): VmTimings => {
      const a = first[i] as Vm;
      const b = second[i] as Vm;
      const lines = a.log.lines;
      const agentStart = firstT(lines, (l) => /castpoint\[[\d.]+\]: agent start/.test(l.text));
      const receiving = firstT(lines, (l) => agentState(l.text) === 'receiving');
      const verifying = firstT(lines, (l) => agentState(l.text) === 'verifying');
      const exitLine = lines.find((l) => /castpoint\[[\d.]+\]: agent exit/.test(l.text));
      const markerLine = b.log.find(new RegExp(marker));
      const exitAbs = exitLine ? a.startedAtMs / 1000 + exitLine.t : undefined;
      const markerAbs = markerLine ? b.startedAtMs / 1000 + markerLine.t : undefined;
      const r = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 10) / 10);
      return {
        name: s.name,
        mac: s.mac,
        toAgentStart: r(agentStart),
        transfer: r(receiving !== undefined && verifying !== undefined ? verifying - receiving : undefined),
        verify: r(verifying !== undefined && exitLine ? exitLine.t - verifying : undefined),
        rebootToMarker: r(exitAbs !== undefined && markerAbs !== undefined ? markerAbs - exitAbs : undefined),
        total: r(markerAbs !== undefined ? markerAbs - a.startedAtMs / 1000 : undefined),
        agentExit: exitLine ? Number(/agent exit (\d+)/.exec(exitLine.text)?.[1]) : undefined,
        reachedMarker: markerLine !== undefined,
        consoleFirstBoot: a.log.format(),
        consoleDiskBoot: b.log.format(),
      };
    });
    dhcp.kill('SIGTERM');
    await dhcpEnded;
    return { vms: timings, sessions, clients, imageBytes: disk.bytes, wallSeconds: (Date.now() - t0) / 1000 };
  } finally {
    vms.forEach((v) => v.kill());
    if (dp) await stopDp(dp).catch(() => undefined);
    lan.destroy();
    forget();
  }
}
