// Builds the realistic disk (issue 26) as root: a GPT disk file with an ESP (FAT32), an ext4 root
// holding a real Debian userland unpacked from .deb packages, and an NTFS data partition, each with
// deleted files' old bytes in its free space. Cached: a second call with the same GENERATOR_VERSION
// returns the file built before (building takes minutes; the benchmark needs the same disk each run).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fillData, fillEsp, fillRoot } from './fill';
import { diskLayout, GENERATOR_VERSION, sgdiskArgs, type PartitionSpec } from './layout';
import { downloadPackages, resolvePackages } from './packages';

export interface RealisticImage {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly version: number;
  /** Debian packages unpacked into the root. */
  readonly packages: number;
}

/** @default /var/cache/castpoint/realimage (CASTPOINT_REALIMAGE_DIR) */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['CASTPOINT_REALIMAGE_DIR'] ?? '/var/cache/castpoint/realimage';
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The cached image of this generator version, or undefined. */
export function cachedImage(cacheDir: string): RealisticImage | undefined {
  const meta = path.join(cacheDir, `realistic-v${GENERATOR_VERSION}.json`);
  if (!existsSync(meta)) return undefined;
  const m = JSON.parse(readFileSync(meta, 'utf8')) as RealisticImage;
  return m.version === GENERATOR_VERSION && existsSync(m.path) ? m : undefined;
}

function loop(file: string, p: PartitionSpec): string {
  return execFileSync('losetup', ['-f', '--show', '-o', String(p.startByte), '--sizelimit', String(p.lengthBytes), file], { encoding: 'utf8' }).trim();
}

export async function buildRealisticImage(opts: { cacheDir?: string; sizeMiB?: number; log?: (line: string) => void } = {}): Promise<RealisticImage> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? ((l: string) => process.stderr.write(`realimage: ${l}\n`));
  const cached = cachedImage(cacheDir);
  if (cached) return cached;
  if (process.getuid?.() !== 0) throw new Error('building the realistic image needs root (loop devices, mount)');
  mkdirSync(cacheDir, { recursive: true });
  const packages = resolvePackages();
  log(`${packages.length} Debian packages; downloading the missing ones with apt-get`);
  const debs = downloadPackages(packages, path.join(cacheDir, 'debs'));
  const layout = diskLayout(opts.sizeMiB);
  const file = path.join(cacheDir, `realistic-v${GENERATOR_VERSION}.img`);
  const partial = `${file}.partial`;
  const fh = await open(partial, 'w');
  await fh.truncate(layout.sizeBytes);
  await fh.close();
  execFileSync('sgdisk', sgdiskArgs(layout, partial), { stdio: 'ignore' });
  const work = mkdtempSync(path.join(cacheDir, 'build-'));
  const loops: string[] = [];
  const mounts: string[] = [];
  try {
    const [esp, root, data] = layout.partitions.map((p) => {
      const dev = loop(partial, p);
      loops.push(dev);
      return dev;
    }) as [string, string, string];
    execFileSync('mkfs.vfat', ['-F', '32', '-n', 'EFI', esp], { stdio: 'ignore' });
    // nodiscard: a discard would punch holes in the file, and the old bytes are the point.
    execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'root', '-E', 'nodiscard', root]);
    execFileSync('mkntfs', ['-Q', '-F', '-L', 'data', data], { stdio: 'ignore' });
    const rootMnt = path.join(work, 'root');
    mkdirSync(rootMnt);
    execFileSync('mount', ['-t', 'ext4', root, rootMnt]);
    mounts.push(rootMnt);
    log(`unpacking ${debs.length} packages into the ext4 root`);
    fillRoot(rootMnt, debs);
    log('filling the ESP (FAT32, mtools)');
    fillEsp(esp, rootMnt);
    const dataMnt = path.join(work, 'data');
    mkdirSync(dataMnt);
    execFileSync('ntfs-3g', [data, dataMnt]);
    mounts.push(dataMnt);
    log('filling the NTFS data partition');
    fillData(dataMnt, rootMnt);
  } finally {
    for (const m of mounts.reverse()) execFileSync('umount', [m]);
    for (const l of loops) execFileSync('losetup', ['-d', l]);
    rmSync(work, { recursive: true, force: true });
  }
  renameSync(partial, file);
  const image: RealisticImage = { path: file, size: layout.sizeBytes, sha256: await sha256File(file), version: GENERATOR_VERSION, packages: packages.length };
  writeFileSync(path.join(cacheDir, `realistic-v${GENERATOR_VERSION}.json`), `${JSON.stringify(image, null, 2)}\n`);
  log(`built ${file} (${(image.size / 1024 / 1024).toFixed(0)} MiB)`);
  return image;
}
