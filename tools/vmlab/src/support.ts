import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
