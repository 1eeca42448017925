// The UEFI machine of the VM lab (issue #25): q35 + OVMF, an empty disk, and the boot order
// docs/netboot.md recommends for UEFI machines: the disk first, the network second. The empty disk
// fails over to the firmware's own PXE client, which asks the DP (option 93 = 7), gets ipxe.efi
// by TFTP; iPXE asks again, gets the script URL, and /boot/ipxe answers the boot environment (the
// machine has a required deployment of its own image: a disk with an EFI system partition and a
// unified kernel image). The agent deploys it by multicast and reboots; OVMF then boots the
// written disk first, without asking the DP again, and its init prints the marker.
// Why not network first, as the BIOS VMs: after iPXE's `exit` (or `exit 1`) OVMF with Debian's
// ipxe.efi never reached the disk here (measured, docs/netboot.md).
import { copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lan } from '@castpoint/netlab';
import { buildTestDisk, labMac, OVMF_CODE, OVMF_VARS, Vm, type SerialLine } from '@castpoint/vmlab';
import { dpCli, type RunningDp } from './fleet';
import { armDeployment, type DhcpReplyLog, type TftpLog } from './vm-pxe';
import { networkBootTimings, type VmTimings } from './vm-timings';

export interface UefiMachineOptions {
  readonly workDir: string;
  /** The DP's image directory: the UEFI test disk is built there. */
  readonly imageDir: string;
  /** The kernel the test disk's unified kernel image carries (the boot environment's). */
  readonly kernel: string;
  readonly onLine?: (vm: string, line: SerialLine) => void;
  /** @default 'castpoint-vmlab-marker uefi' */
  readonly marker?: string;
  /** Power-on to the marker, at most. @default 900 s */
  readonly timeoutMs?: number;
}

/** What the UEFI VM's console showed, in seconds since its power-on. */
export interface UefiMachineConsole {
  readonly name: string;
  readonly mac: string;
  /** OVMF starts its PXE client (`>>Start PXE over IPv4`). */
  readonly toPxe?: number;
  /** ipxe.efi, fetched by TFTP, runs (`iPXE initialising devices`). */
  readonly toIpxe?: number;
  /** The DP's script was run (its `castpoint: ...` line). */
  readonly toScript?: number;
  /** The deployment from power-on to the written disk's marker (as the BIOS VMs'). */
  readonly timings: VmTimings;
}

/** The machine with the DP's side of it, read from the DP's log after the run. */
export interface UefiMachineResult extends UefiMachineConsole {
  /** The DP's DHCP replies to this MAC, in order. */
  readonly dhcp: readonly DhcpReplyLog[];
  /** TFTP transfers to the addresses this MAC was leased. */
  readonly tftp: readonly TftpLog[];
  /** What /boot/ipxe answered this MAC: only `bootenv`, the written disk boots without asking. */
  readonly scripts: readonly string[];
  /** The DP's sessions for the machine's image. */
  readonly sessions: ReadonlyArray<Record<string, unknown>>;
  /** The DP's client entries for the machine's image (`fallback: true` = it finished by unicast). */
  readonly clients: ReadonlyArray<Record<string, unknown>>;
}

/** What the DP logged and listed, read after the run. */
export interface UefiMachineDpSide {
  readonly dhcp: readonly DhcpReplyLog[];
  readonly tftp: readonly TftpLog[];
  readonly scripts: readonly string[];
  readonly sessions: ReadonlyArray<Record<string, unknown>>;
  readonly clients: ReadonlyArray<Record<string, unknown>>;
}

/** The lab MAC of the UEFI VM (VM number 9: clear of the demo's 1-8). */
export const UEFI_MACHINE_MAC = labMac(9);
/** Its image and deployment on the DP. */
export const UEFI_IMAGE = 'vmdisk-uefi';

/** The line the DP's script prints before anything else it does. */
const SCRIPT_LINE = /^castpoint: /;

const firstAt = (lines: readonly SerialLine[], re: RegExp): number | undefined => lines.find((l) => re.test(l.text))?.t;

/** Reads the machine's steps off its console. */
export function uefiMachineConsole(name: string, mac: string, lines: readonly SerialLine[], marker: string): UefiMachineConsole {
  const round = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 10) / 10);
  return {
    name,
    mac,
    toPxe: round(firstAt(lines, />>Start PXE over IPv4/)),
    toIpxe: round(firstAt(lines, /iPXE initialising devices/)),
    toScript: round(firstAt(lines, SCRIPT_LINE)),
    timings: networkBootTimings(name, mac, lines, marker),
  };
}

/** The DP's side: its DHCP replies to the machine's MAC and the TFTP transfers to its addresses. */
export function uefiMachineResult(c: UefiMachineConsole, dp: UefiMachineDpSide): UefiMachineResult {
  const mine = dp.dhcp.filter((d) => d.mac === c.mac.toLowerCase());
  const addresses = new Set(mine.flatMap((d) => (d.address ? [d.address] : [])));
  return { ...c, dhcp: mine, tftp: dp.tftp.filter((t) => addresses.has(t.peer)), scripts: dp.scripts, sessions: dp.sessions, clients: dp.clients };
}

/**
 * Builds the UEFI test disk, adds it to the DP with a required deployment to this machine, and
 * powers the VM on (disk first, empty). `done` resolves with what its console showed once the
 * written disk's marker came, the firmware gave up (its shell), or the time ran out; qemu has
 * ended then.
 */
export async function startUefiMachine(lan: Lan, dp: RunningDp, opts: UefiMachineOptions): Promise<{ vm: Vm; done: Promise<UefiMachineConsole> }> {
  const name = 'uefi9';
  const marker = opts.marker ?? 'castpoint-vmlab-marker uefi';
  const image = buildTestDisk({ out: path.join(opts.imageDir, `${UEFI_IMAGE}.img`), kernel: opts.kernel, marker, firmware: 'uefi' });
  const add = await dpCli(lan, dp, ['image', 'add', UEFI_IMAGE, image.path]);
  if (add.code !== 0) throw new Error(`image add ${UEFI_IMAGE} failed (exit ${String(add.code)}): ${add.stderr}${add.stdout}`);
  await armDeployment(lan, dp, { machines: [{ name, mac: UEFI_MACHINE_MAC }], image: UEFI_IMAGE, csvPath: path.join(opts.workDir, `${name}.csv`), name: 'vmlab-uefi' });
  const disk = path.join(opts.workDir, `${name}.disk`);
  writeFileSync(disk, '');
  truncateSync(disk, 64 * 1024 * 1024);
  const vars = path.join(opts.workDir, `${name}.vars.fd`);
  copyFileSync(OVMF_VARS, vars);
  const vm = Vm.start(
    lan,
    // 512 MiB: the boot environment's agent needs ~448 (docs/netboot.md).
    { name, disk, mac: UEFI_MACHINE_MAC, tap: lan.addTap('tap9'), memMiB: 512, uefi: { code: OVMF_CODE, vars }, boot: 'disk-first' },
    (v, line) => opts.onLine?.(v.name, line),
  );
  const done = (async (): Promise<UefiMachineConsole> => {
    const seen = await vm.waitFor(new RegExp(`${marker}|UEFI Interactive Shell`), opts.timeoutMs ?? 900_000, false).catch(() => undefined);
    // The marker's init powers the machine off; anything else is stopped here.
    if (!seen?.text.includes(marker)) vm.kill();
    await vm.waitForExit(60_000).catch(() => vm.kill());
    return uefiMachineConsole(name, UEFI_MACHINE_MAC, vm.log.lines, marker);
  })();
  return { vm, done };
}
