// A castpoint deployment to qemu VMs in a netlab LAN (tools/vmlab): the VMs start with empty
// disks, boot the castpoint boot environment, receive the image over multicast into their virtio
// disks, restart, and boot the written disk, whose init prints a marker. Used by the VM
// integration test and `npm run demo -- --vms N`.
//
// Two ways in: `network` (the default, the real path) powers the VMs on network-first with the
// DP as the LAN's DHCP server and boot service: firmware -> the NIC ROM's iPXE -> /boot/ipxe ->
// the boot environment -> `castpoint-agent run` -> reboot -> /boot/ipxe says `exit` -> the disk.
// UEFI machines (`firmware: 'uefi'`) boot disk first, the network second (docs/netboot.md).
// `direct` starts the boot environment by qemu's direct kernel boot with `castpoint.image=` (no
// firmware network boot, no deployment) and powers the VMs on again from their disks.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collect, Lan, onInterrupt } from '@castpoint/netlab';
import { buildTestDisk, labMac, OVMF_CODE, OVMF_VARS, startLabDhcp, startRouterAdverts, Vm, type SerialLine, type VmSpec } from '@castpoint/vmlab';
import { appBundles, dpCli, startDp, type RunningDp } from './fleet';
import { stopDp } from './deployment';
import { sha256File } from './measure';
import { httpBaselineInitrd } from './vm-http-baseline';
import { armDeployment, bootScriptAnswers, dhcpReplies, dpBootFlags, outcomesOf, tftpTransfers, waitForBootService, type BootScriptAnswer } from './vm-pxe';
import { directBootTimings, networkBootTimings, type VmTimings } from './vm-timings';
import { refreshVm, type VmRefreshOptions, type VmRefreshResult } from './vm-refresh';
import { startUefiMachine, UEFI_IMAGE, uefiMachineResult, type UefiMachineConsole, type UefiMachineResult } from './vm-uefi-machine';

export type { VmTimings } from './vm-timings';

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
  /** The v2 disk's marker (`refresh`). @default 'castpoint-vmlab-marker v2' */
  readonly markerV2?: string;
  /** @default 'network' */
  readonly boot?: 'network' | 'direct';
  /**
   * How the image reaches the disks: `castpoint` (the agent, multicast) or `http`, the baseline:
   * each VM downloads it by plain HTTP from the DP (vm-http-baseline.ts; direct boot only).
   * @default 'castpoint'
   */
  readonly transport?: 'castpoint' | 'http';
  /**
   * Then the refresh (vm-refresh.ts, network boot only): the v1 disk's system idles after its
   * marker, VM 1 is re-armed with a v2 image by the CLI, reset, deployed again, and shows marker
   * v2; the other VMs are switched off at their v1 marker. @default false
   */
  readonly refresh?: boolean;
  /**
   * `uefi`: OVMF instead of SeaBIOS (q35; the firmware's PXE gets ipxe.efi from the DP by TFTP)
   * and a test disk with an EFI system partition (network boot only). @default 'bios'
   */
  readonly firmware?: 'bios' | 'uefi';
  /**
   * The VMs' boot order (network boot only): `network-first`, a machine left on PXE boot (the
   * second boot gets `exit` from the DP), or `disk-first`, the order docs/netboot.md recommends
   * for UEFI (the empty disk fails over to the network; the written one boots without asking).
   * @default 'network-first' with SeaBIOS, 'disk-first' with UEFI
   */
  readonly order?: 'network-first' | 'disk-first';
  /**
   * After the deployment (beside the refresh), a UEFI VM (OVMF, disk first, an empty disk) with a
   * required deployment of its own image is deployed the same way and boots its written disk
   * (vm-uefi-machine.ts). Network boot only. @default false
   */
  readonly uefiMachine?: boolean;
}

export interface VmDeploymentResult {
  readonly vms: readonly VmTimings[];
  /** Sessions the DP ran for the image (one multicast session serves them all). */
  readonly sessions: ReadonlyArray<Record<string, unknown>>;
  /** The DP's client list at the end (each agent's state and why it left a session). */
  readonly clients: ReadonlyArray<Record<string, unknown>>;
  /** Every /boot/ipxe answer the DP logged, in order (network boot only; empty for direct). */
  readonly bootScripts: readonly BootScriptAnswer[];
  /** The DP's own log (JSON lines), for a look when something went wrong. */
  readonly dpLog: string;
  readonly imageBytes: number;
  readonly wallSeconds: number;
  /** VM 1's refresh to v2, when asked for (`refresh`). */
  readonly refresh?: VmRefreshResult;
  /** The UEFI VM's deployment, when asked for (`uefiMachine`). */
  readonly uefi?: UefiMachineResult;
}

const IMAGE = 'vmdisk';
const MARKER_V2 = 'castpoint-vmlab-marker v2';

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


type LabVm = Pick<VmSpec, 'name' | 'disk' | 'mac' | 'tap' | 'memMiB' | 'uefi' | 'monitor'>;

/** The DP's --receiver-silence for emulated machines (seconds). */
const RECEIVER_SILENCE_S = 30;

/** Seconds a VM may take from power-on to its written disk's marker (TCG on a loaded box). */
const VM_TIMEOUT_MS = 900_000;

/** What firmware prints when it has nothing left to boot: SeaBIOS, and OVMF's shell. */
const NOTHING_TO_BOOT = 'No bootable device|UEFI Interactive Shell';

/**
 * Waits for each VM's marker; a VM whose firmware found nothing to boot waits forever, and one
 * that network-boots again and again never ends: both are stopped. A disk that idles after its
 * marker (`idle`) is switched off then, except `keep`, which goes on running its system.
 * Resolves when all but `keep` have ended.
 */
async function awaitMarkers(vms: readonly Vm[], marker: string, timeoutMs: number, idle = false, keep?: Vm): Promise<void> {
  const verdict = new RegExp(`${marker}|${NOTHING_TO_BOOT}`);
  await Promise.all(
    vms.map(async (v) => {
      const seen = await v.waitFor(verdict, timeoutMs, false).catch(() => undefined);
      const reached = seen?.text.includes(marker) === true;
      if (reached && v === keep) return;
      if (!reached || idle) v.kill();
      // Otherwise the marker's init powers off: qemu ends by itself.
      await v.waitForExit(60_000).catch(() => undefined);
    }),
  );
}

/**
 * Network-first VMs, the DP as DHCP server and boot service, one required deployment; then, with
 * `refreshTo`, VM 1's refresh to v2 (the router advertisements go on for its network boots).
 */
async function bootByNetwork(
  lan: Lan,
  dp: RunningDp,
  specs: readonly LabVm[],
  vms: Vm[],
  opts: VmDeploymentOptions,
  marker: string,
  refreshTo: VmRefreshOptions | undefined,
  disk: { imageDir: string; kernel: string },
): Promise<{ timings: VmTimings[]; refreshed?: VmRefreshResult; uefiVm?: UefiMachineConsole }> {
  await armDeployment(lan, dp, { machines: specs, image: IMAGE, csvPath: path.join(opts.workDir, 'machines.csv') });
  await waitForBootService(lan, dp);
  const ra = startRouterAdverts(lan, lan.server);
  const raEnded = collect(ra, 3_600_000).catch(() => undefined);
  try {
    const onLine = (vm: Vm, line: SerialLine): void => opts.onLine?.(vm.name, line);
    const order = opts.order ?? (opts.firmware === 'uefi' ? 'disk-first' : 'network-first');
    const started = specs.map((s) => Vm.start(lan, { ...s, boot: order }, onLine));
    vms.push(...started);
    const keep = refreshTo ? started[0] : undefined;
    await awaitMarkers(started, marker, VM_TIMEOUT_MS, refreshTo !== undefined, keep);
    // Before the refresh: its lines are the refresh's, not the first deployment's.
    const timings = specs.map((s, i) => networkBootTimings(s.name, s.mac, (started[i] as Vm).log.lines, marker));
    // The UEFI VM is deployed while VM 1 is refreshed: the two share the time, not add it.
    const uefiRun = opts.uefiMachine ? await startUefiMachine(lan, dp, { workDir: opts.workDir, ...disk, ...(opts.onLine ? { onLine: opts.onLine } : {}) }) : undefined;
    if (uefiRun) vms.push(uefiRun.vm);
    const refreshed = refreshTo && keep?.log.find(new RegExp(marker)) ? await refreshVm(lan, dp, keep, refreshTo) : undefined;
    const uefiVm = await uefiRun?.done;
    return { timings, ...(refreshed ? { refreshed } : {}), ...(uefiVm ? { uefiVm } : {}) };
  } finally {
    ra.kill('SIGTERM');
    await raEnded;
  }
}

/** qemu's direct kernel boot into the boot environment (`deploy`), then power-on from the disk. */
async function bootDirect(lan: Lan, dp: RunningDp, specs: readonly LabVm[], vms: Vm[], opts: VmDeploymentOptions, marker: string, workDir: string, image: string): Promise<VmTimings[]> {
  const dhcpDir = path.join(workDir, 'dhcp');
  mkdirSync(dhcpDir, { recursive: true });
  const dhcp = startLabDhcp(lan, lan.server, dhcpDir);
  const dhcpEnded = collect(dhcp, 3_600_000).catch(() => undefined);
  try {
    const http = opts.transport === 'http';
    const append = [
      'console=ttyS0', 'quiet',
      `castpoint.server=${dp.url}`, `castpoint.token=${dp.clientToken}`, `castpoint.image=${IMAGE}`,
      'castpoint.after=poweroff', 'castpoint.onfail=poweroff',
      ...(http ? [`castpoint.bytes=${statSync(image).size}`, `castpoint.sha256=${await sha256File(image)}`] : []),
    ].join(' ');
    const initrd = http ? httpBaselineInitrd(path.join(opts.bootenv, 'initrd.img'), path.join(workDir, 'initrd-http.img')) : path.join(opts.bootenv, 'initrd.img');
    const onLine = (vm: Vm, line: SerialLine): void => opts.onLine?.(vm.name, line);
    const first = specs.map((s) => Vm.start(lan, { ...s, direct: { kernel: path.join(opts.bootenv, 'vmlinuz'), initrd, append } }, onLine));
    vms.push(...first);
    await Promise.all(first.map((v) => v.waitForExit(600_000)));
    const second = specs.map((s) => Vm.start(lan, { ...s, boot: 'disk' }, onLine));
    vms.push(...second);
    await awaitMarkers(second, marker, 300_000);
    return specs.map((s, i) => {
      const a = first[i] as Vm;
      const b = second[i] as Vm;
      return directBootTimings(s.name, s.mac, a.log.lines, b.log.lines, (b.startedAtMs - a.startedAtMs) / 1000, marker);
    });
  } finally {
    dhcp.kill('SIGTERM');
    await dhcpEnded;
  }
}

/** Runs the whole VM deployment; tears the LAN, DP and VMs down on the way out. */
export async function runVmDeployment(opts: VmDeploymentOptions): Promise<VmDeploymentResult> {
  const marker = opts.marker ?? 'castpoint-vmlab-marker v1';
  const network = (opts.boot ?? 'network') === 'network';
  const uefi = opts.firmware === 'uefi';
  if (network && opts.transport === 'http') throw new RangeError('the HTTP baseline boots the VMs directly: use boot: direct');
  if (!network && (opts.refresh || uefi || opts.uefiMachine || opts.order)) throw new RangeError('the refresh and UEFI VMs boot by the network: use boot: network');
  const lan = Lan.create({ clients: 1, subnet: '10.78.0' });
  const vms: Vm[] = [];
  const forget = onInterrupt(() => vms.forEach((v) => v.kill()));
  let dp: RunningDp | undefined;
  const t0 = Date.now();
  try {
    const dataDir = path.join(opts.workDir, 'dp-data');
    mkdirSync(path.join(dataDir, 'images'), { recursive: true, mode: 0o700 });
    const kernel = path.join(opts.bootenv, 'vmlinuz');
    const firmware = uefi ? ('uefi' as const) : ('bios' as const);
    const disk = buildTestDisk({ out: path.join(dataDir, 'images', 'vmdisk.img'), kernel, marker, firmware, afterMarker: opts.refresh ? 'idle' : 'poweroff' });
    const diskV2 = opts.refresh ? buildTestDisk({ out: path.join(dataDir, 'images', 'vmdisk-v2.img'), kernel, marker: opts.markerV2 ?? MARKER_V2, firmware }) : undefined;
    // An agent in a TCG VM (every instruction emulated, on a shared 2-core box) keeps up with
    // ~1000 datagrams/s: at 1 Gbit/s and at 40 Mbit/s the VMs lost most packets, and the DP
    // dropped them as silent or moved them to unicast (measured; docs/netboot.md).
    // --receiver-silence: a TCG VM on a busy 2-core host went 4-10 s between the agent's
    // once-a-second reports (the guest was not scheduled); at the default 5 s the DP dropped it
    // and the agents finished in a second session (docs/netboot.md).
    const extra = ['--receiver-silence', String(RECEIVER_SILENCE_S), ...(network ? dpBootFlags(lan.server.ip, opts.bootenv) : [])];
    dp = await startDp(lan, lan.server, { dataDir, maxRate: opts.maxRate ?? '10mbit', extra, readyTimeoutMs: 180_000 });
    // Scheduled: the session waits until every VM has asked, so one session serves all. Up to
    // 300 s: under TCG on a busy host the VMs reached their agents up to ~100 s apart (measured),
    // and 60 s started the session without the last one, which then made a second.
    const add = await dpCli(lan, dp, ['image', 'add', IMAGE, disk.path, '--mode', 'scheduled', '--min-clients', String(opts.vms), '--max-wait', '300']);
    if (add.code !== 0) throw new Error(`image add failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
    const specs: LabVm[] = Array.from({ length: opts.vms }, (_, i) => {
      const name = `vm${i + 1}`;
      const file = path.join(opts.workDir, `${name}.disk`);
      writeFileSync(file, '');
      truncateSync(file, 64 * 1024 * 1024);
      const vars = path.join(opts.workDir, `${name}.vars.fd`);
      // Each UEFI VM has its own variable store: OVMF writes its boot entries there.
      if (uefi) copyFileSync(OVMF_VARS, vars);
      return {
        name,
        disk: file,
        mac: labMac(i + 1),
        tap: lan.addTap(`tap${i + 1}`),
        memMiB: opts.memMiB ?? 512,
        ...(uefi ? { uefi: { code: OVMF_CODE, vars } } : {}),
        // The refreshed VM is reset by its monitor's reset button.
        ...(opts.refresh && i === 0 ? { monitor: path.join(opts.workDir, `${name}.monitor`) } : {}),
      };
    });
    const refreshTo = diskV2 ? { imageFile: diskV2.path, marker: opts.markerV2 ?? MARKER_V2, oldMarker: marker } : undefined;
    const { timings, refreshed, uefiVm } = network ? await bootByNetwork(lan, dp, specs, vms, opts, marker, refreshTo, { imageDir: path.join(dataDir, 'images'), kernel }) : { timings: await bootDirect(lan, dp, specs, vms, opts, marker, opts.workDir, disk.path), refreshed: undefined, uefiVm: undefined };
    const sessionsOut = await dpCli(lan, dp, ['session', 'list', '--json']);
    const allSessions = JSON.parse(sessionsOut.stdout || '[]') as Array<Record<string, unknown>>;
    const sessions = allSessions.filter((s) => s['image'] === IMAGE);
    const clientsOut = await dpCli(lan, dp, ['client', 'list', '--json']);
    const clients = JSON.parse(clientsOut.stdout || '[]') as Array<Record<string, unknown>>;
    const dpOut = await stopDp(dp);
    dp = undefined;
    const bootScripts = bootScriptAnswers(dpOut.stdout);
    const vmsOut = network ? timings.map((t) => ({ ...t, bootScripts: outcomesOf(bootScripts, t.mac) })) : timings;
    const uefiOut = uefiVm
      ? { uefi: uefiMachineResult(uefiVm, { dhcp: dhcpReplies(dpOut.stdout), tftp: tftpTransfers(dpOut.stdout), scripts: outcomesOf(bootScripts, uefiVm.mac), sessions: allSessions.filter((s) => s['image'] === UEFI_IMAGE), clients: clients.filter((c) => c['image'] === UEFI_IMAGE) }) }
      : {};
    return { vms: vmsOut, sessions, clients, bootScripts, dpLog: dpOut.stdout, imageBytes: disk.bytes, wallSeconds: (Date.now() - t0) / 1000, ...(refreshed ? { refresh: refreshed } : {}), ...uefiOut };
  } finally {
    vms.forEach((v) => v.kill());
    if (dp) await stopDp(dp).catch(() => undefined);
    lan.destroy();
    forget();
  }
}
