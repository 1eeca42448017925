import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { mbrSector } from './mbr';

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
}

const MiB = 1024 * 1024;
const FIRST_LBA = 2048;

/** syslinux.cfg of the test disk: serial console, no menu, no wait. */
export function syslinuxConfig(): string {
  return ['SERIAL 0 115200', 'DEFAULT disk', 'PROMPT 0', 'TIMEOUT 0', 'LABEL disk', '  KERNEL /vmlinuz', '  APPEND initrd=/initrd.img console=ttyS0 quiet panic=5', ''].join('\n');
}

/** The test disk's /init: print the marker and the seconds since boot on the console, power off. */
export function markerInit(marker: string): string {
  if (!/^[\w .:-]+$/.test(marker)) throw new RangeError(`marker must be letters, digits, space, . : - _, got ${marker}`);
  return `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "${marker} booted from disk after $(/bin/busybox cut -d' ' -f1 /proc/uptime) s" > /dev/ttyS0
/bin/busybox poweroff -f
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

/**
 * Builds a small bootable BIOS disk as a plain file (no loop device, no root needed for mounts):
 * syslinux's MBR, one bootable FAT16 partition from 1 MiB made with mkfs.fat on a file, syslinux
 * installed into it, and the kernel plus a busybox initramfs whose init prints `marker`.
 */
export function buildTestDisk(opts: TestDiskOptions): { path: string; bytes: number } {
  const size = (opts.sizeMiB ?? 32) * MiB;
  const sys = opts.syslinuxDir ?? '/usr/lib/syslinux';
  const work = mkdtempSync(path.join(path.dirname(opts.out), '.testdisk-'));
  try {
    const root = path.join(work, 'root');
    for (const d of ['bin', 'proc', 'dev']) mkdirSync(path.join(root, d), { recursive: true });
    copyFileSync(opts.busybox ?? '/bin/busybox', path.join(root, 'bin/busybox'));
    writeFileSync(path.join(root, 'init'), markerInit(opts.marker), { mode: 0o755 });
    const initrd = path.join(work, 'initrd.img');
    run('sh', ['-c', 'chmod 755 bin/busybox && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -9 > "$0"', initrd], root);

    const part = path.join(work, 'part.img');
    const partSectors = size / 512 - FIRST_LBA;
    run('mkfs.fat', ['-F', '16', '-n', 'CASTTEST', '-C', part, String(partSectors / 2)]);
    // Debian's syslinux is the mtools build: it installs into a FAT file system held in a file.
    run('syslinux', ['--install', part]);
    writeFileSync(path.join(work, 'syslinux.cfg'), syslinuxConfig());
    run('mcopy', ['-i', part, opts.kernel, '::vmlinuz']);
    run('mcopy', ['-i', part, initrd, '::initrd.img']);
    run('mcopy', ['-i', part, path.join(work, 'syslinux.cfg'), '::syslinux.cfg']);

    const mbr = mbrSector(readFileSync(path.join(sys, 'mbr/mbr.bin')).subarray(0, 440), [{ startLba: FIRST_LBA, sectors: partSectors, type: 0x06, bootable: true }]);
    const fd = openSync(opts.out, 'w');
    try {
      writeSync(fd, mbr, 0, mbr.length, 0);
      const p = readFileSync(part);
      writeSync(fd, p, 0, p.length, FIRST_LBA * 512);
    } finally {
      closeSync(fd);
    }
    return { path: opts.out, bytes: statSync(opts.out).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
