// The UEFI part of the VM lab that fits the CI budget (docs/netboot.md, UEFI timings): a UEFI
// machine (q35 + OVMF) left on network-first boot with nothing to do. Its firmware's own PXE
// client asks the DP (option 93 = 7), gets ipxe.efi by TFTP, iPXE asks again and gets the script
// URL, and /boot/ipxe answers `exit`. The VM is switched off there: what follows `exit` under
// OVMF with Debian's ipxe.efi (it never reached the disk, measured in docs/netboot.md) is not
// what this checks. The whole UEFI deployment is `npm run demo -- --vms 1 --uefi`.
import { copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lan } from '@castpoint/netlab';
import { labMac, OVMF_CODE, OVMF_VARS, Vm, type SerialLine } from '@castpoint/vmlab';
import type { DhcpReplyLog, TftpLog } from './vm-pxe';

export interface UefiProbeOptions {
  readonly workDir: string;
  readonly onLine?: (vm: string, line: SerialLine) => void;
  /** Power-on to the script's line, at most. @default 600 s */
  readonly timeoutMs?: number;
}

/** What the UEFI VM's console showed, in seconds since its power-on. */
export interface UefiProbeConsole {
  readonly name: string;
  readonly mac: string;
  /** OVMF starts its PXE client (`>>Start PXE over IPv4`). */
  readonly toPxe?: number;
  /** ipxe.efi, fetched by TFTP, runs (`iPXE initialising devices`). */
  readonly toIpxe?: number;
  /** The DP's script was run (its `castpoint: ...` line). */
  readonly toScript?: number;
  readonly console: string;
}

/** The probe with the DP's side of it, read from the DP's log after the run. */
export interface UefiProbeResult extends UefiProbeConsole {
  /** The DP's DHCP replies to this MAC, in order. */
  readonly dhcp: readonly DhcpReplyLog[];
  /** TFTP transfers to the addresses this MAC was leased. */
  readonly tftp: readonly TftpLog[];
  /** What /boot/ipxe answered this MAC. */
  readonly scripts: readonly string[];
}

/** The lab MAC of the UEFI probe VM (VM number 9: clear of the demo's 1-8). */
export const UEFI_PROBE_MAC = labMac(9);

/** The line the DP's script prints before anything else it does. */
const SCRIPT_LINE = /^castpoint: /;

const firstAt = (lines: readonly SerialLine[], re: RegExp): number | undefined => lines.find((l) => re.test(l.text))?.t;

/** Reads the probe's steps off its console. */
export function uefiProbeConsole(name: string, mac: string, lines: readonly SerialLine[]): UefiProbeConsole {
  const round = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 10) / 10);
  return {
    name,
    mac,
    toPxe: round(firstAt(lines, />>Start PXE over IPv4/)),
    toIpxe: round(firstAt(lines, /iPXE initialising devices/)),
    toScript: round(firstAt(lines, SCRIPT_LINE)),
    console: lines.map((l) => `[${l.t.toFixed(1).padStart(6)}] ${l.text}`).join('\n'),
  };
}

/** The DP's side of the probe: its DHCP replies, TFTP transfers and scripts for `mac`. */
export function uefiProbeResult(c: UefiProbeConsole, dhcp: readonly DhcpReplyLog[], tftp: readonly TftpLog[], scripts: readonly string[]): UefiProbeResult {
  const mine = dhcp.filter((d) => d.mac === c.mac.toLowerCase());
  const addresses = new Set(mine.flatMap((d) => (d.address ? [d.address] : [])));
  return { ...c, dhcp: mine, tftp: tftp.filter((t) => addresses.has(t.peer)), scripts };
}

/**
 * Powers the UEFI VM on (network first, an empty disk). `done` resolves with its console once the
 * DP's script ran, the firmware gave up (its shell), or the time ran out; qemu has ended then.
 */
export function startUefiProbe(lan: Lan, opts: UefiProbeOptions): { vm: Vm; done: Promise<UefiProbeConsole> } {
  const name = 'uefi9';
  const disk = path.join(opts.workDir, `${name}.disk`);
  writeFileSync(disk, '');
  truncateSync(disk, 64 * 1024 * 1024);
  const vars = path.join(opts.workDir, `${name}.vars.fd`);
  copyFileSync(OVMF_VARS, vars);
  const vm = Vm.start(
    lan,
    // Firmware and iPXE only: 256 MiB is plenty.
    { name, disk, mac: UEFI_PROBE_MAC, tap: lan.addTap('tap9'), memMiB: 256, uefi: { code: OVMF_CODE, vars }, boot: 'network-first' },
    (v, line) => opts.onLine?.(v.name, line),
  );
  const done = (async (): Promise<UefiProbeConsole> => {
    await vm.waitFor(new RegExp(`${SCRIPT_LINE.source}|UEFI Interactive Shell`), opts.timeoutMs ?? 600_000, false).catch(() => undefined);
    vm.kill();
    await vm.waitForExit(30_000).catch(() => undefined);
    return uefiProbeConsole(name, UEFI_PROBE_MAC, vm.log.lines);
  })();
  return { vm, done };
}
