import { constants } from 'node:fs';
import { access, readFile, readdir, realpath, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoOf } from '@castpoint/wire';
import { ChunkingError } from './errors';
import { devMajorMinor, parseMountinfo, parseSwaps, type MountEntry } from './mountinfo';

/**
 * Where the target checks read system facts. Tests point these at fixture files and a fake /sys
 * tree so every refusal is exercised without real disks.
 */
export interface SystemProbe {
  /** @default '/proc/self/mountinfo' */
  readonly mountinfoPath?: string;
  /** @default '/sys' */
  readonly sysRoot?: string;
  /** @default '/proc/swaps' */
  readonly swapsPath?: string;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /** Replaces stat() of the target (to present a fake block device). @default fs.promises.stat with bigint */
  readonly statTarget?: (path: string) => Promise<TargetStat>;
  /** Replaces the write-permission check (root passes access() almost everywhere). @default fs.promises.access W_OK */
  readonly checkWritable?: (path: string) => Promise<void>;
}

export interface TargetStat {
  readonly kind: 'file' | 'directory' | 'block' | 'other';
  /** "major:minor" of a block device. */
  readonly rdev?: string;
  readonly size: number;
}

export type TargetKind = 'file' | 'new-file' | 'block';

export interface PreflightResult {
  readonly kind: TargetKind;
  /** Bytes available to write: the device size, or the manifest size for files. */
  readonly capacity: number;
  /** Things worth telling the technician that do not stop the write. */
  readonly warnings: string[];
}

export async function defaultStat(path: string): Promise<TargetStat> {
  const st = await stat(path, { bigint: true });
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isBlockDevice() ? 'block' : 'other';
  return { kind, size: Number(st.size), ...(kind === 'block' ? { rdev: devMajorMinor(st.rdev) } : {}) };
}

async function readProbe(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ChunkingError('CHUNKING_TARGET_PROBE_FAILED', `cannot read ${path} to check that the target is safe to overwrite`, {
      path,
      errno: errnoOf(err) ?? '',
    }, { cause: err });
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
}

/**
 * The device itself, every partition of it and every device stacked on it (holders: device
 * mapper, LVM, md RAID, recursively), as "major:minor" strings with their sysfs names.
 */
async function deviceFamily(sysRoot: string, rdev: string): Promise<{ devs: Map<string, string>; holders: string[] }> {
  const devs = new Map<string, string>();
  const holders: string[] = [];
  const visit = async (sysDir: string, depth: number): Promise<void> => {
    if (depth > 8) return; // a cycle in sysfs would be a kernel bug; do not loop forever on a fake tree
    const dev = (await readFile(join(sysDir, 'dev'), 'utf8').catch(() => '')).trim();
    if (dev !== '') devs.set(dev, sysDir);
    for (const entry of await listDir(sysDir)) {
      // Partitions are subdirectories holding a `partition` file.
      const partDev = (await readFile(join(sysDir, entry, 'partition'), 'utf8').catch(() => '')).trim();
      if (partDev !== '') await visit(join(sysDir, entry), depth + 1);
    }
    for (const h of await listDir(join(sysDir, 'holders'))) {
      holders.push(h);
      await visit(join(sysRoot, 'class', 'block', h), depth + 1);
    }
  };
  // /sys/dev/block/M:m is a link to the device's directory, whose name (sda, nvme0n1p2) /proc/swaps uses.
  const link = join(sysRoot, 'dev', 'block', rdev);
  await visit(await realpath(link).catch(() => link), 0);
  return { devs, holders };
}

/** Size of a block device in bytes: sysfs `size` counts 512-byte sectors whatever the sector size. */
export async function blockDeviceSize(sysRoot: string, rdev: string): Promise<number> {
  const p = join(sysRoot, 'dev', 'block', rdev, 'size');
  const text = (await readProbe(p)).trim();
  const sectors = Number(text);
  if (!Number.isSafeInteger(sectors) || sectors < 0) {
    throw new ChunkingError('CHUNKING_TARGET_PROBE_FAILED', `cannot read the disk size from ${p} (got "${text}")`, { path: p });
  }
  return sectors * 512;
}

/**
 * Every check that must pass before the first byte is written to `path`. Throws a typed error a
 * technician can act on; returns the target kind, capacity and warnings.
 *
 * Linux only for devices. On Windows the equivalent checks would be: open \\.\PhysicalDriveN,
 * IOCTL_DISK_GET_LENGTH_INFO for the size, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS on every volume to
 * find those on the disk, refuse if one is the system or boot volume, and FSCTL_LOCK_VOLUME +
 * FSCTL_DISMOUNT_VOLUME the others (refuse if the lock fails). Not implemented yet: devices are
 * refused there with CHUNKING_TARGET_DEVICE_UNSUPPORTED; see docs/chunking.md.
 */
export async function preflightTarget(path: string, imageSize: number, needBytes: number, options: { allowDevice?: boolean; probe?: SystemProbe } = {}): Promise<PreflightResult> {
  const probe = options.probe ?? {};
  const warnings: string[] = [];
  let st: TargetStat | undefined;
  try {
    st = await (probe.statTarget ?? defaultStat)(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') {
      throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `cannot examine target ${path}: ${(err as Error).message}`, { path, errno: errnoOf(err) ?? '' }, { cause: err });
    }
  }

  if (st === undefined || st.kind === 'file') {
    const dir = dirname(path);
    const dirStat = await stat(dir).catch(() => undefined);
    if (!dirStat?.isDirectory()) {
      throw new ChunkingError('CHUNKING_TARGET_PARENT_MISSING', `cannot create ${path}: folder ${dir} does not exist`, { path });
    }
    try {
      await (probe.checkWritable ?? ((p: string) => access(p, constants.W_OK)))(st === undefined ? dir : path);
    } catch (err) {
      throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `cannot write ${path}: permission denied or read-only`, { path, errno: errnoOf(err) ?? '' }, { cause: err });
    }
    // A sparse file only needs room for the non-zero chunks; warn (not refuse) when even that does not fit.
    const fs = await statfs(dir).catch(() => undefined);
    if (fs !== undefined) {
      const free = fs.bavail * fs.bsize + (st?.size ?? 0);
      if (free < needBytes) {
        warnings.push(`only ${free} bytes are free on the filesystem of ${path} but the image needs ${needBytes} bytes of data: the write will probably fail with "no space left"`);
      }
    }
    return { kind: st === undefined ? 'new-file' : 'file', capacity: imageSize, warnings };
  }
  if (st.kind === 'directory') {
    throw new ChunkingError('CHUNKING_TARGET_IS_DIRECTORY', `target ${path} is a directory: give a file name or a disk device such as /dev/sda`, { path });
  }
  if (st.kind !== 'block') {
    throw new ChunkingError('CHUNKING_TARGET_UNSUPPORTED_TYPE', `target ${path} is neither a regular file nor a disk (block device)`, { path });
  }
  if (!options.allowDevice) {
    throw new ChunkingError('CHUNKING_TARGET_DEVICE_NOT_ALLOWED', `target ${path} is a disk or partition; writing to disks must be asked for explicitly (allowDevice)`, { path });
  }
  const platform = probe.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new ChunkingError('CHUNKING_TARGET_DEVICE_UNSUPPORTED', `writing to disk ${path} is not supported on ${platform} yet`, { path });
  }
  const rdev = st.rdev ?? '';
  const sysRoot = probe.sysRoot ?? '/sys';
  const capacity = await blockDeviceSize(sysRoot, rdev);
  if (capacity < imageSize) {
    throw new ChunkingError('CHUNKING_TARGET_TOO_SMALL', `disk ${path} holds ${capacity} bytes but the image needs ${imageSize} bytes`, {
      path,
      expected: imageSize,
      actual: capacity,
    });
  }
  await assertDiskIdle(path, rdev, probe);
  return { kind: 'block', capacity, warnings };
}

/**
 * Refuses a disk that is mounted (itself, a partition, or a device stacked on it), active swap, or
 * held by device mapper / LVM / md: shared by the writer's checks and capture's source check.
 */
export async function assertDiskIdle(path: string, rdev: string, probe: SystemProbe = {}): Promise<void> {
  const sysRoot = probe.sysRoot ?? '/sys';
  const { devs, holders } = await deviceFamily(sysRoot, rdev);
  devs.set(rdev, devs.get(rdev) ?? path);
  const mounts: MountEntry[] = parseMountinfo(await readProbe(probe.mountinfoPath ?? '/proc/self/mountinfo'));
  for (const m of mounts) {
    if (devs.has(m.device)) {
      const what = m.device === rdev ? `disk ${path} is mounted` : `disk ${path} holds a mounted filesystem (${m.source})`;
      throw new ChunkingError('CHUNKING_TARGET_MOUNTED', `${what} at ${m.mountPoint}: unmount it first; castpoint never overwrites a mounted filesystem`, {
        path,
        device: m.device,
        mountPoint: m.mountPoint,
      });
    }
  }
  const swaps = parseSwaps(await readProbe(probe.swapsPath ?? '/proc/swaps'));
  const names = new Set([...devs.values()].map((d) => `/dev/${d.split('/').pop() ?? ''}`));
  names.add(path);
  const swap = swaps.find((s) => names.has(s));
  if (swap !== undefined) {
    throw new ChunkingError('CHUNKING_TARGET_IN_USE', `disk ${path} is in use as swap (${swap}): run swapoff first`, { path, device: swap });
  }
  if (holders.length > 0) {
    throw new ChunkingError('CHUNKING_TARGET_IN_USE', `disk ${path} is in use by ${holders.join(', ')} (LVM, RAID or device mapper): stop those first`, {
      path,
      device: holders.join(','),
    });
  }
}
