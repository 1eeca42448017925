// Issue #25's refresh proof on a VM: a lab VM deployed with image v1 runs its installed system
// (the v1 disk's init printed marker v1 and idles), left on network-first boot. The operator
// re-arms it with image v2 through `castpoint-dp` commands only: a new image, a collection with
// this machine, a required deployment of v2 to it (docs/deployments.md: a required deployment is
// pending on a machine until it has run there; v1's has run, so v2's is the only pending one).
// Then the machine is reset (the monitor's reset button): SeaBIOS -> iPXE -> /boot/ipxe now
// answers the boot environment again -> `castpoint-agent run` deploys v2 -> reboot -> `exit` ->
// the disk prints marker v2.
import type { Lan } from '@castpoint/netlab';
import type { SerialLine, Vm } from '@castpoint/vmlab';
import { dpCli, type RunningDp } from './fleet';
import { networkBootTimings, type VmTimings } from './vm-timings';

export interface VmRefreshOptions {
  /** The v2 disk image file, inside the DP's image root. */
  readonly imageFile: string;
  /** The marker the v2 disk's init prints. */
  readonly marker: string;
  /** The marker the v1 disk printed: must not come back after the reset. */
  readonly oldMarker: string;
  /** @default 'vmdisk-v2' */
  readonly image?: string;
  /** Power-on to the v2 marker, at most. @default 900 s */
  readonly timeoutMs?: number;
}

/** One row of `castpoint-dp history --machine NAME --json`. */
export interface HistoryRow {
  readonly deployment: string | null;
  readonly image: string | null;
  readonly result: string;
  readonly transport: string | null;
  readonly exitCode: number | null;
}

export interface VmRefreshResult {
  readonly name: string;
  readonly mac: string;
  /** The console line count when the reset was pressed: the lines after it are the refresh. */
  readonly resetAtLine: number;
  /** Seconds since power-on when the reset was pressed. */
  readonly resetAtSeconds: number;
  /** From the reset: to agent start, transfer, verify, reboot to marker v2, total (seconds). */
  readonly timings: VmTimings;
  /** Whether marker v1 was printed again after the reset (it must not be: the disk is v2 now). */
  readonly oldMarkerAfterReset: boolean;
  /** The machine's history, oldest first. */
  readonly history: readonly HistoryRow[];
  /** The DP's sessions for the v2 image. */
  readonly sessions: ReadonlyArray<Record<string, unknown>>;
  /** The CLI commands the operator ran, as typed. */
  readonly commands: readonly string[];
}

/** The `castpoint-dp` commands that re-arm `machine` with `image` (a file the DP can read). */
export function rearmCommands(machine: { name: string; mac: string }, image: string, file: string): string[][] {
  const name = `${machine.name}-${image}`;
  return [
    ['image', 'add', image, file],
    ['collection', 'add', name, '--rule', `mac:${machine.mac}`],
    ['deployment', 'add', name, '--image', image, '--collection', name, '--purpose', 'required', '--after', 'reboot'],
  ];
}

/** The console lines from `index` on, with their times counted from the first of them. */
export function linesFrom(lines: readonly SerialLine[], index: number, t0: number): SerialLine[] {
  return lines.slice(index).map((l) => ({ t: l.t - t0, text: l.text }));
}

/** Re-arms `vm` (running its v1 system) with v2 by the CLI, resets it and waits for marker v2. */
export async function refreshVm(lan: Lan, dp: RunningDp, vm: Vm, opts: VmRefreshOptions): Promise<VmRefreshResult> {
  const image = opts.image ?? 'vmdisk-v2';
  const steps = rearmCommands({ name: vm.name, mac: vm.spec.mac }, image, opts.imageFile);
  for (const args of steps) {
    const r = await dpCli(lan, dp, args);
    if (r.code !== 0) throw new Error(`castpoint-dp ${args.join(' ')} failed (exit ${String(r.code)}): ${r.stderr}${r.stdout}`);
  }
  const resetAtLine = vm.log.lines.length;
  const resetAtSeconds = (Date.now() - vm.startedAtMs) / 1000;
  await vm.reset();
  const verdict = new RegExp(`${opts.marker}|${opts.oldMarker}|No bootable device|UEFI Interactive Shell`);
  // v1's marker coming back means the reset booted the old disk: stop at once, the check fails.
  const seen = await vm.waitFor(verdict, opts.timeoutMs ?? 900_000, false).catch(() => undefined);
  if (!seen?.text.includes(opts.marker)) vm.kill();
  await vm.waitForExit(60_000).catch(() => undefined);
  const after = linesFrom(vm.log.lines, resetAtLine, resetAtSeconds);
  const historyOut = await dpCli(lan, dp, ['history', '--machine', vm.name, '--json']);
  const history = (JSON.parse(historyOut.stdout || '[]') as HistoryRow[]).reverse();
  const sessionsOut = await dpCli(lan, dp, ['session', 'list', '--json']);
  const sessions = (JSON.parse(sessionsOut.stdout || '[]') as Array<Record<string, unknown>>).filter((s) => s['image'] === image);
  return {
    name: vm.name,
    mac: vm.spec.mac,
    resetAtLine,
    resetAtSeconds: Math.round(resetAtSeconds * 10) / 10,
    timings: networkBootTimings(vm.name, vm.spec.mac, after, opts.marker),
    oldMarkerAfterReset: after.some((l) => l.text.includes(opts.oldMarker)),
    history: history.map((h) => ({ deployment: h.deployment, image: h.image, result: h.result, transport: h.transport, exitCode: h.exitCode })),
    sessions,
    commands: steps.map((a) => `castpoint-dp ${a.join(' ')}`),
  };
}
