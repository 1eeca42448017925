// What goes into each filesystem of the realistic disk, and the "old data" a used machine leaves
// in its free space: files written, synced to disk, then deleted (their blocks stay as they were,
// which no filesystem zeroes). Seeded pseudo-random bytes stand for media (incompressible).
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MiB = 1024 * 1024;

/** `bytes` of AES-CTR keystream for `seed`: the same bytes every run, no pattern to compress. */
export function noise(seed: string, bytes: number): Buffer {
  const key = createHash('sha256').update(`castpoint-realimage-${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(bytes));
}

function sync(): void {
  execFileSync('sync');
}

/** The Debian root: every .deb unpacked, then apt's cache of them filled and cleaned, a user's cache filled and emptied. */
export function fillRoot(mnt: string, debs: readonly string[]): void {
  for (const deb of debs) execFileSync('dpkg-deb', ['-x', deb, mnt]);
  const archives = path.join(mnt, 'var/cache/apt/archives');
  mkdirSync(archives, { recursive: true });
  for (const deb of debs) cpSync(deb, path.join(archives, path.basename(deb)));
  const home = path.join(mnt, 'home/user');
  mkdirSync(path.join(home, '.cache'), { recursive: true });
  cpSync(path.join(mnt, 'usr/share/doc'), path.join(home, '.cache/doc-copy'), { recursive: true });
  writeFileSync(path.join(home, '.cache/browser-cache.bin'), noise('root-cache', 64 * MiB));
  writeFileSync(path.join(home, 'notes.txt'), 'the reference machine of the castpoint benchmark\n');
  sync();
  // `apt-get clean` and a cleared browser cache: their blocks keep the old bytes.
  for (const f of readdirSync(archives)) if (f.endsWith('.deb')) rmSync(path.join(archives, f));
  rmSync(path.join(home, '.cache'), { recursive: true });
  sync();
}

/** The ESP, written with mtools (this kernel may have no vfat module): the boot loader and kernels. */
export function fillEsp(dev: string, root: string): void {
  // mtools warns that a loop device has no geometry: true and harmless, so its stderr is dropped.
  const m = (cmd: string, ...args: string[]): void => void execFileSync(cmd, ['-i', dev, ...args], { stdio: 'ignore' });
  m('mmd', '::EFI', '::EFI/BOOT', '::EFI/debian');
  m('mcopy', path.join(root, 'usr/lib/grub/x86_64-efi/monolithic/grubx64.efi'), '::EFI/BOOT/BOOTX64.EFI');
  const kernel = readdirSync(path.join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (kernel === undefined) throw new Error('the unpacked root has no /boot/vmlinuz-*: is linux-image-amd64 among the packages?');
  m('mcopy', path.join(root, 'boot', kernel), '::EFI/debian/vmlinuz');
  // An older kernel and its initrd, removed by an upgrade: left in the FAT's free clusters.
  const old = path.join(root, '..', 'esp-old.bin');
  writeFileSync(old, Buffer.concat([noise('esp-old-kernel', 8 * MiB), Buffer.from('initrd '.repeat(4 * 1024 * 1024))]));
  m('mcopy', old, '::EFI/debian/initrd.img-old');
  m('mdel', '::EFI/debian/initrd.img-old');
  rmSync(old);
}

/** The NTFS data partition: documents (text), photos (incompressible), a program folder; a deleted download. */
export function fillData(mnt: string, root: string): void {
  cpSync(path.join(root, 'usr/share/doc'), path.join(mnt, 'Documents'), { recursive: true });
  mkdirSync(path.join(mnt, 'Pictures'));
  for (let i = 0; i < 12; i++) writeFileSync(path.join(mnt, 'Pictures', `IMG_${1000 + i}.jpg`), noise(`photo-${i}`, 8 * MiB));
  cpSync(path.join(root, 'usr/lib/x86_64-linux-gnu'), path.join(mnt, 'Program Files', 'lib'), {
    recursive: true,
    // Windows programs have no symlinks; perl's tree is left out to keep the partition's share sensible.
    filter: (src) => !lstatSync(src).isSymbolicLink() && !src.includes('/perl'),
  });
  mkdirSync(path.join(mnt, 'Downloads'));
  writeFileSync(path.join(mnt, 'Downloads', 'installer.iso'), Buffer.concat([noise('download', 96 * MiB), Buffer.from('setup.log line\n'.repeat(2 * 1024 * 1024))]));
  sync();
  rmSync(path.join(mnt, 'Downloads', 'installer.iso'));
  sync();
}
