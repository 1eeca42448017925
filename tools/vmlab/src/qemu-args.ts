/** What one lab VM is: its disk, NIC and how it starts. */
export interface VmSpec {
  readonly name: string;
  /** A raw disk image file (a fresh sparse file for an empty machine). */
  readonly disk: string;
  /** The NIC's MAC, e.g. 52:54:00:c9:00:01 (the DP tells machines apart by it). */
  readonly mac: string;
  /** A tap device on the lab bridge (Lan.addTap). */
  readonly tap: string;
  /** @default 512 (the boot environment's agent needs ~448 MiB; see docs/netboot.md) */
  readonly memMiB?: number;
  /** @default 2 */
  readonly cpus?: number;
  /** @default 'virtio' */
  readonly nic?: 'virtio' | 'e1000';
  /**
   * Network first then disk, as a lab machine left on PXE boot (`-boot order=nc`), or the disk
   * only. @default 'network-first'
   */
  readonly boot?: 'network-first' | 'disk';
  /** qemu's direct kernel boot (-kernel/-initrd/-append) instead of the firmware's boot order. */
  readonly direct?: { readonly kernel: string; readonly initrd: string; readonly append: string };
  /** UEFI (OVMF) instead of SeaBIOS: the code image and a writable copy of the variable store. */
  readonly uefi?: { readonly code: string; readonly vars: string };
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** The lab's MAC for VM number `n` (1..255): locally administered qemu range 52:54:00. */
export function labMac(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new RangeError(`VM number must be 1..255, got ${n}`);
  return `52:54:00:c9:00:${n.toString(16).padStart(2, '0')}`;
}

/**
 * qemu-system-x86_64's arguments for a lab VM. TCG only: KVM is nested and broken on the lab
 * machines (docs/netboot.md). The serial console is stdout; no display, no monitor. The NIC keeps
 * qemu's own iPXE ROM (ipxe-qemu), which is what network-boots it under SeaBIOS.
 */
export function qemuArgs(spec: VmSpec): string[] {
  if (!MAC_RE.test(spec.mac)) throw new RangeError(`bad MAC ${spec.mac}`);
  const nic = spec.nic === 'e1000' ? 'e1000' : 'virtio-net-pci';
  const args = [
    '-name', spec.name,
    // tb-size caps TCG's translation cache: ~150 MiB less resident memory per VM.
    '-accel', 'tcg,tb-size=64',
    '-machine', spec.uefi ? 'q35' : 'pc',
    '-m', String(spec.memMiB ?? 512),
    // Two vCPUs (multi-threaded TCG): the agent's event loop gets one while the guest kernel's
    // network and disk work and Node's helper threads run on the other.
    '-smp', String(spec.cpus ?? 2),
    '-nographic',
    '-monitor', 'none',
    '-serial', 'stdio',
    '-netdev', `tap,id=n0,ifname=${spec.tap},script=no,downscript=no`,
    '-device', `${nic},netdev=n0,mac=${spec.mac}`,
    '-drive', `file=${spec.disk},format=raw,if=virtio`,
  ];
  if (spec.uefi) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${spec.uefi.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${spec.uefi.vars}`);
  }
  if (spec.direct) {
    args.push('-kernel', spec.direct.kernel, '-initrd', spec.direct.initrd, '-append', spec.direct.append);
  } else {
    args.push('-boot', (spec.boot ?? 'network-first') === 'network-first' ? 'order=nc' : 'order=c');
  }
  return args;
}
