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
   * `network-first`: network then disk, as a lab machine left on PXE boot (`-boot order=nc`).
   * `disk-first`: disk then network, the order recommended for UEFI machines (docs/netboot.md): an
   * empty disk fails over to the network, a written one boots without asking the DP.
   * `disk`: the disk only. @default 'network-first'
   */
  readonly boot?: 'network-first' | 'disk-first' | 'disk';
  /** qemu's direct kernel boot (-kernel/-initrd/-append) instead of the firmware's boot order. */
  readonly direct?: { readonly kernel: string; readonly initrd: string; readonly append: string };
  /** UEFI (OVMF) instead of SeaBIOS: the code image and a writable copy of the variable store. */
  readonly uefi?: { readonly code: string; readonly vars: string };
  /**
   * A unix socket for qemu's human monitor (`system_reset`, see monitor.ts); without it the VM has
   * no monitor and only the guest can restart itself.
   */
  readonly monitor?: string;
}

/** qemu64 with x86-64-v2's SSE additions (see qemuArgs). */
export const CPU_MODEL = 'qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt';

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
  if (spec.monitor !== undefined && /[,\s]/.test(spec.monitor)) throw new RangeError(`monitor socket path must hold no comma or space, got ${spec.monitor}`);
  const order = spec.direct ? 'disk' : (spec.boot ?? 'network-first');
  const args = [
    '-name', spec.name,
    // tb-size caps TCG's translation cache: ~150 MiB less resident memory per VM. thread=single:
    // one host thread runs both vCPUs in turn. With multi-threaded TCG an agent died of an
    // invalid opcode inside V8's JIT code (the kernel's trap ip was in the code space, not in a
    // library), once in session 14 and once in session 15's second CI run: the JIT writing code on
    // one vCPU while another ran it, a race only multi-threaded TCG has.
    '-accel', 'tcg,thread=single,tb-size=64',
    // qemu64 (TCG's default CPU) lacks SSSE3 and SSE4.1, which every x86-64 PC since ~2008 has,
    // and TCG refuses an instruction the CPU model does not list (#UD: SIGILL in the guest).
    // koffi's prebuilt linux-x64 binary, which the agent's recvmmsg goes through, has pshufb
    // (SSSE3) and ptest (SSE4.1) in its argument and array conversions. The lab's CPU is qemu64
    // with the x86-64-v2 features added, as any machine this deploys has.
    '-cpu', CPU_MODEL,
    '-machine', spec.uefi ? 'q35' : 'pc',
    '-m', String(spec.memMiB ?? 512),
    // Two vCPUs (run in turn by one host thread, thread=single above): the guest kernel's network
    // and disk work and Node's helper threads are not queued behind the agent's event loop.
    '-smp', String(spec.cpus ?? 2),
    '-nographic',
    '-monitor', spec.monitor ? `unix:${spec.monitor},server=on,wait=off` : 'none',
    '-serial', 'stdio',
    '-netdev', `tap,id=n0,ifname=${spec.tap},script=no,downscript=no`,
  ];
  if (spec.uefi) args.push(...uefiDevices(spec, spec.uefi, order));
  else args.push('-device', `${nicModel(spec)},netdev=n0,mac=${spec.mac}`, '-drive', `file=${spec.disk},format=raw,if=virtio`);
  if (spec.direct) {
    args.push('-kernel', spec.direct.kernel, '-initrd', spec.direct.initrd, '-append', spec.direct.append);
  } else if (!spec.uefi) {
    args.push('-boot', BIOS_ORDER[order]);
  }
  return args;
}

/** SeaBIOS's order: `n` the NIC's ROM, `c` the first disk. */
const BIOS_ORDER: Record<NonNullable<VmSpec['boot']>, string> = { 'network-first': 'order=nc', 'disk-first': 'order=cn', disk: 'order=c' };

function nicModel(spec: VmSpec): string {
  return spec.nic === 'e1000' ? 'e1000' : 'virtio-net-pci';
}

/**
 * NIC, disk and firmware of a UEFI VM. OVMF ignores `-boot order`: it takes the order from the
 * devices' `bootindex`. The NIC has no option ROM (`romfile=`): qemu's ROM for it holds an EFI
 * iPXE driver that would boot iPXE straight from the card, and a PC's UEFI network boot is the
 * firmware's own PXE client (option 93 = 7), which gets `ipxe.efi` from the DP by TFTP: that is
 * the path this VM is for. OVMF's PXE over IPv6 is off: it would wait for a DHCPv6 server this LAN
 * does not have before going on to the disk after iPXE's `exit` (docs/netboot.md, UEFI timings).
 */
function uefiDevices(spec: VmSpec, uefi: NonNullable<VmSpec['uefi']>, order: NonNullable<VmSpec['boot']>): string[] {
  // A device without a bootindex gets no Boot#### entry of its own from OVMF's qemu boot order.
  const nicIndex = order === 'network-first' ? ',bootindex=1' : order === 'disk-first' ? ',bootindex=2' : '';
  const diskIndex = order === 'network-first' ? 2 : 1;
  return [
    '-device', `${nicModel(spec)},netdev=n0,mac=${spec.mac},romfile=${nicIndex}`,
    '-drive', `file=${spec.disk},format=raw,if=none,id=d0`,
    '-device', `virtio-blk-pci,drive=d0,bootindex=${diskIndex}`,
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${uefi.code}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${uefi.vars}`,
    '-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=no',
  ];
}
