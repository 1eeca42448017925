// Real filesystems for the map's tests and the capture integration test: mkfs.ext4, mkfs.vfat and
// mkntfs (Debian e2fsprogs, dosfstools, ntfs-3g; tools/setup.sh installs them) run on small sparse
// files, filled with files by debugfs / mcopy / ntfscp, with recognisable garbage in free space.
// No loop device and no mount: everything works on plain files.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;

export type FixtureFs = 'ext4' | 'fat12' | 'fat16' | 'fat32' | 'ntfs' | 'swap';

export interface FixtureFile {
  readonly name: string;
  readonly data: Buffer;
}

export interface FixturePartition {
  readonly fs: FixtureFs;
  readonly start: number;
  readonly length: number;
  /** Files left on the filesystem (a deleted one's bytes stay in free space). */
  readonly files: FixtureFile[];
}

/** Deterministic bytes: SHA-256 in counter mode over `seed`. */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0, off = 0; off < length; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

/** The marker garbage written over a partition before mkfs: "OLDDATA!" + 8 bytes of position, each 512 bytes, rest 0x5a. */
export const GARBAGE_MARK = Buffer.from('OLDDATA!');

function fillGarbage(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    const piece = Buffer.alloc(MiB, 0x5a);
    for (let off = 0; off < length; off += MiB) {
      for (let i = 0; i < MiB; i += 512) {
        GARBAGE_MARK.copy(piece, i);
        piece.writeBigUInt64LE(BigInt(off + i), i + 8);
      }
      writeSync(fd, piece, 0, Math.min(MiB, length - off), off);
    }
  } finally {
    closeSync(fd);
  }
}

function run(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], input });
}

function toolsFor(fs: FixtureFs): string[] {
  switch (fs) {
    case 'ext4':
      return ['mkfs.ext4', 'debugfs'];
    case 'ntfs':
      return ['mkntfs', 'ntfscp'];
    case 'swap':
      return ['mkswap'];
    default:
      return ['mkfs.vfat', 'mcopy', 'mdel'];
  }
}

/** Missing mkfs tools for these filesystems (empty when all are installed). */
export function missingTools(kinds: readonly FixtureFs[]): string[] {
  const need = new Set(kinds.flatMap(toolsFor));
  return [...need].filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Makes filesystem `fs` in `path` (created, `length` bytes, garbage first), writes `files`, then
 * writes and deletes `deleted` so that free space holds old file data as on a used machine.
 */
export function makeFilesystem(path: string, fs: FixtureFs, length: number, files: FixtureFile[], deleted: FixtureFile[] = [], mkfsArgs: string[] = []): void {
  writeFileSync(path, '');
  run('truncate', ['-s', String(length), path]);
  fillGarbage(path, length);
  const dir = mkdtempSync(join(tmpdir(), 'diskmap-files-'));
  try {
    const src = (f: FixtureFile): string => {
      const p = join(dir, f.name);
      writeFileSync(p, f.data);
      return p;
    };
    switch (fs) {
      case 'ext4': {
        // nodiscard: on a file mkfs would punch holes and erase the garbage; fixed UUID and hash seed.
        run('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard,lazy_itable_init=1', '-U', '8d6a7d2a-6c1e-4e43-9a57-3f1b1d1f2a01', '-E', 'hash_seed=2f0c2b4e-5d0e-4f53-9d15-70a1c9a7b3e2', '-L', 'root', ...mkfsArgs, path]);
        const cmds = [...files, ...deleted].map((f) => `write ${src(f)} ${f.name}`).concat(deleted.map((f) => `rm ${f.name}`));
        run('debugfs', ['-w', '-f', '-', path], cmds.join('\n') + '\n');
        break;
      }
      case 'ntfs':
        run('mkntfs', ['-q', '-F', '-Q', '-L', 'data', ...mkfsArgs, path]);
        for (const f of files) run('ntfscp', ['-q', path, src(f), f.name]);
        break;
      case 'swap':
        run('mkswap', ['-U', '3e1c54a4-0f4b-4c2e-8d63-5a0f4c9f6b71', path]);
        break;
      default: {
        const bits = fs.slice(3);
        run('mkfs.vfat', ['-F', bits, '-i', '1234abcd', ...(fs === 'fat12' ? [] : ['-s', '1']), '-n', fs.toUpperCase(), path]);
        for (const f of [...files, ...deleted]) run('mcopy', ['-i', path, src(f), `::${f.name}`]);
        for (const f of deleted) run('mdel', ['-i', path, `::${f.name}`]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FixtureDisk {
  readonly path: string;
  readonly size: number;
  readonly partitions: FixturePartition[];
}

export interface PartitionSpec {
  readonly fs: FixtureFs;
  readonly mib: number;
  /** sgdisk type code (ef00 = EFI system, 8300 = Linux, 0700 = Microsoft basic data, 8200 = swap). */
  readonly gptType: string;
}

/** ESP (FAT32), ext4 root, NTFS data: the reference machine, small. */
export const REFERENCE_LAYOUT: readonly PartitionSpec[] = [
  { fs: 'fat32', mib: 34, gptType: 'ef00' },
  { fs: 'ext4', mib: 24, gptType: '8300' },
  { fs: 'ntfs', mib: 12, gptType: '0700' },
];

function filesFor(fs: FixtureFs, n: number, seed: string): FixtureFile[] {
  if (fs === 'swap') return [];
  return Array.from({ length: n }, (_, i) => ({ name: `f${i}.bin`, data: seededBytes(`${seed}:${fs}:${i}`, 3000 + i * 70_001) }));
}

/**
 * A GPT disk image in `dir`: partitions per `layout` from 1 MiB on, each made by
 * {@link makeFilesystem} and copied in (sparse), with garbage in the gaps as well.
 */
export function makeGptDisk(dir: string, layout: readonly PartitionSpec[] = REFERENCE_LAYOUT, seed = 'disk'): FixtureDisk {
  const size = (layout.reduce((n, p) => n + p.mib, 0) + 2) * MiB;
  const path = join(dir, `${seed}.img`);
  writeFileSync(path, '');
  run('truncate', ['-s', String(size), path]);
  fillGarbage(path, size);
  const args = ['-Z', path];
  run('sgdisk', args);
  const partitions: FixturePartition[] = [];
  let start = MiB;
  layout.forEach((p, i) => {
    const length = p.mib * MiB;
    run('sgdisk', ['-a', '2048', `-n`, `${i + 1}:${start / 512}:${(start + length) / 512 - 1}`, '-t', `${i + 1}:${p.gptType}`, '-U', 'R', path]);
    const files = filesFor(p.fs, 3, seed);
    const deleted = p.fs === 'ntfs' || p.fs === 'swap' ? [] : [{ name: 'gone.bin', data: seededBytes(`${seed}:gone:${i}`, 200_000) }];
    const part = join(dir, `${seed}.p${i + 1}`);
    makeFilesystem(part, p.fs, length, files, deleted);
    copyInto(part, path, start, length);
    rmSync(part);
    partitions.push({ fs: p.fs, start, length, files });
    start += length;
  });
  return { path, size, partitions };
}

function copyInto(src: string, dst: string, offset: number, length: number): void {
  const from = openSync(src, 'r');
  const to = openSync(dst, 'r+');
  try {
    const buf = Buffer.alloc(MiB);
    for (let off = 0; off < length; off += MiB) {
      const n = readSync(from, buf, 0, Math.min(MiB, length - off), off);
      writeSync(to, buf, 0, n, offset + off);
    }
  } finally {
    closeSync(from);
    closeSync(to);
  }
}

/** A read function over a file, as capture passes one over a device. */
export function fileReader(path: string): { read: (offset: number, length: number) => Promise<Uint8Array>; close: () => void } {
  const fd = openSync(path, 'r');
  return {
    read: async (offset, length) => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    },
    close: () => closeSync(fd),
  };
}

/**
 * An MBR disk in `dir`: a primary FAT16, then an extended partition holding a logical ext4 and a
 * logical FAT12 (Linux numbers them 5 and 6), laid out by sfdisk.
 */
export function makeMbrDisk(dir: string, seed = 'mbr'): FixtureDisk {
  const size = 36 * MiB;
  const path = join(dir, `${seed}.img`);
  writeFileSync(path, '');
  run('truncate', ['-s', String(size), path]);
  fillGarbage(path, size);
  const script = ['label: dos', 'start=2048, size=16384, type=6', 'start=18432, type=5', 'size=32768, type=83', 'size=4096, type=1'].join('\n');
  run('sfdisk', ['-q', path], script + '\n');
  const table = JSON.parse(execFileSync('sfdisk', ['-J', path], { encoding: 'utf8' })) as { partitiontable: { partitions: { start: number; size: number; type: string }[] } };
  const specs: Record<string, FixtureFs> = { '6': 'fat16', '83': 'ext4', '1': 'fat12' };
  const partitions: FixturePartition[] = [];
  table.partitiontable.partitions.forEach((p, i) => {
    const fs = specs[p.type];
    if (fs === undefined) return;
    const files = filesFor(fs, 2, seed);
    const file = join(dir, `${seed}.p${i}`);
    makeFilesystem(file, fs, p.size * 512, files);
    copyInto(file, path, p.start * 512, p.size * 512);
    rmSync(file);
    partitions.push({ fs, start: p.start * 512, length: p.size * 512, files });
  });
  return { path, size, partitions };
}
