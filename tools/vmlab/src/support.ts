import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEFAULT_EFI_STUB } from './uki';

export interface VmSupport {
  readonly ok: boolean;
  /** Why not, in one sentence naming the Debian package. */
  readonly why?: string;
}

const NEEDS: ReadonlyArray<[string, string]> = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['syslinux', 'syslinux'],
  ['mcopy', 'mtools'],
  ['mkfs.fat', 'dosfstools'],
  ['cpio', 'cpio'],
  ['busybox', 'busybox-static'],
  ['dnsmasq', 'dnsmasq-base'],
];

/** Whether this machine can run the VM lab (tools/setup.sh installs what it needs). */
export function vmSupport(): VmSupport {
  for (const [cmd, pkg] of NEEDS) {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`]);
    if (r.status !== 0) return { ok: false, why: `${cmd} is not installed (Debian package ${pkg}; bash tools/setup.sh installs it)` };
  }
  if (!existsSync('/usr/lib/ipxe/qemu/efi-virtio.rom')) {
    return { ok: false, why: "qemu's NIC boot ROMs are missing (Debian package ipxe-qemu)" };
  }
  if (!existsSync('/usr/lib/syslinux/mbr/mbr.bin')) return { ok: false, why: 'syslinux mbr.bin is missing (Debian package syslinux-common)' };
  return { ok: true };
}

/** OVMF without Secure Boot keys (Debian's `ovmf`): Debian's ipxe.efi and the test UKI are unsigned. */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
/** The empty variable store each UEFI VM gets a copy of (its boot entries and order live there). */
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** Whether this machine can also run UEFI VMs: OVMF, and the stub and binutils for the UEFI test disk. */
export function uefiSupport(stub = DEFAULT_EFI_STUB): VmSupport {
  const base = vmSupport();
  if (!base.ok) return base;
  if (!existsSync(OVMF_CODE) || !existsSync(OVMF_VARS)) return { ok: false, why: `OVMF (${OVMF_CODE}) is missing (Debian package ovmf)` };
  if (!existsSync(stub)) return { ok: false, why: `systemd's EFI stub (${stub}) is missing (Debian package systemd-boot-efi)` };
  for (const cmd of ['objcopy', 'objdump']) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return { ok: false, why: `${cmd} is not installed (Debian package binutils)` };
  }
  return { ok: true };
}
