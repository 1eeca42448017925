import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { mbrSector } from './mbr';
import { buildUki, DEFAULT_EFI_STUB } from './uki';

export interface TestDiskOptions {
  /** The disk image file to write. */
  readonly out: string;
  /** A Linux kernel with the 8250 serial console built in (the boot environment's vmlinuz). */
  readonly kernel: string;
  /** What the disk's init prints on ttyS0 once booted, e.g. `castpoint-vmlab-marker v1`. */
  readonly marker: string;
  /** @default 32 */
  readonly sizeMiB?: number;
  /** A static busybox. @default '/bin/busybox' (Debian's busybox-static) */
  readonly busybox?: string;
  /** syslinux's BIOS files. @default '/usr/lib/syslinux' */
  readonly syslinuxDir?: string;
  /** What the disk's init does after the marker (markerInit). @default 'poweroff' */
  readonly afterMarker?: AfterMarker;
  /**
   * `bios`: syslinux's MBR code and a bootable FAT16 partition. `uefi`: an EFI system partition
   * whose \EFI\BOOT\BOOTX64.EFI is a unified kernel image (uki.ts). @default 'bios'
   */
  readonly firmware?: 'bios' | 'uefi';
  /** The systemd EFI stub for `uefi` (uki.ts). @default DEFAULT_EFI_STUB */
  readonly efiStub?: string;
}

/**
 * After the marker the disk's init powers the VM off (qemu ends: the run is over), or idles as a
 * running installed system does, for the lab to reset it (a refresh: the next boot is from the
 * network).
 */
export type AfterMarker = 'poweroff' | 'idle';

const MiB = 1024 * 1024;
const FIRST_LBA = 2048;

/** The test disk's kernel arguments (the UKI's embedded command line has no initrd=). */
const KERNEL_ARGS = 'console=ttyS0 quiet panic=5';

/** syslinux.cfg of the test disk: serial console, no menu, no wait. */
export function syslinuxConfig(): string {
  return ['SERIAL 0 115200', 'DEFAULT disk', 'PROMPT 0', 'TIMEOUT 0', 'LABEL disk', '  KERNEL /vmlinuz', `  APPEND initrd=/initrd.img ${KERNEL_ARGS}`, ''].join('\n');
}

/** The test disk's /init: print the marker and the seconds since boot on the console, then power off or idle. */
export function markerInit(marker: string, after: AfterMarker = 'poweroff'): string {
  if (!/^[\w .:-]+$/.test(marker)) throw new RangeError(`marker must be letters, digits, space, . : - _, got ${marker}`);
  // PID 1 must never exit (the kernel panics): an idle system sleeps until it is reset.
  const end = after === 'poweroff' ? '/bin/busybox poweroff -f' : 'while :; do /bin/busybox sleep 3600; done';
  return `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "${marker} booted from disk after $(/bin/busybox cut -d' ' -f1 /proc/uptime) s" > /dev/ttyS0
${end}
`;
}

function run(cmd: string, args: readonly string[], cwd?: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** The marker's initramfs (busybox and markerInit), gzip'd cpio, built in `work`. */
function markerInitrd(work: string, opts: TestDiskOptions): string {
  const root = path.join(work, 'root');
  for (const d of ['bin', 'proc', 'dev']) mkdirSync(path.join(root, d), { recursive: true });
  copyFileSync(opts.busybox ?? '/bin/busybox', path.join(root, 'bin/busybox'));
  writeFileSync(path.join(root, 'init'), markerInit(opts.marker, opts.afterMarker), { mode: 0o755 });
  const initrd = path.join(work, 'initrd.img');
  run('sh', ['-c', 'chmod 755 bin/busybox && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -9 > "$0"', initrd], root);
  return initrd;
}

/** Writes the MBR and the partition file into the disk file `out`. */
function writeDisk(out: string, mbr: Buffer, part: string): void {
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, mbr, 0, mbr.length, 0);
    const p = readFileSync(part);
    writeSync(fd, p, 0, p.length, FIRST_LBA * 512);
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds a small bootable disk as a plain file (no loop device, no root needed for mounts): an MBR
 * and one FAT16 partition from 1 MiB made with mkfs.fat on a file. BIOS: syslinux's MBR code,
 * syslinux installed into the partition, the kernel plus a busybox initramfs whose init prints
 * `marker`. UEFI: the partition is an EFI system partition (type 0xEF) holding the kernel and that
 * initramfs as one unified kernel image at the removable-media path \EFI\BOOT\BOOTX64.EFI, which
 * firmware boots with no boot entry of its own.
 */
export function buildTestDisk(opts: TestDiskOptions): { path: string; bytes: number } {
  const size = (opts.sizeMiB ?? 32) * MiB;
  const work = mkdtempSync(path.join(path.dirname(opts.out), '.testdisk-'));
  try {
    const initrd = markerInitrd(work, opts);
    const part = path.join(work, 'part.img');
    const partSectors = size / 512 - FIRST_LBA;
    run('mkfs.fat', ['-F', '16', '-n', opts.firmware === 'uefi' ? 'CASTESP' : 'CASTTEST', '-C', part, String(partSectors / 2)]);
    let mbr: Buffer;
    if (opts.firmware === 'uefi') {
      const uki = buildUki({ out: path.join(work, 'bootx64.efi'), stub: opts.efiStub ?? DEFAULT_EFI_STUB, kernel: opts.kernel, initrd, cmdline: KERNEL_ARGS });
      run('mmd', ['-i', part, '::/EFI', '::/EFI/BOOT']);
      run('mcopy', ['-i', part, uki, '::/EFI/BOOT/BOOTX64.EFI']);
      mbr = mbrSector(new Uint8Array(0), [{ startLba: FIRST_LBA, sectors: partSectors, type: 0xef, bootable: false }]);
    } else {
      const sys = opts.syslinuxDir ?? '/usr/lib/syslinux';
      // Debian's syslinux is the mtools build: it installs into a FAT file system held in a file.
      run('syslinux', ['--install', part]);
      writeFileSync(path.join(work, 'syslinux.cfg'), syslinuxConfig());
      run('mcopy', ['-i', part, opts.kernel, '::vmlinuz']);
      run('mcopy', ['-i', part, initrd, '::initrd.img']);
      run('mcopy', ['-i', part, path.join(work, 'syslinux.cfg'), '::syslinux.cfg']);
      mbr = mbrSector(readFileSync(path.join(sys, 'mbr/mbr.bin')).subarray(0, 440), [{ startLba: FIRST_LBA, sectors: partSectors, type: 0x06, bootable: true }]);
    }
    writeDisk(opts.out, mbr, part);
    return { path: opts.out, bytes: statSync(opts.out).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
