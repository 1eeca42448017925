// Each filesystem made by its real mkfs, filled and partly emptied, then mapped on its own (no
// partition table): the used map must agree with the filesystem's own tools, hold every byte of
// every file, and leave out the deleted file's old data.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapDisk } from './map-disk';
import { ExtentBuilder, totalLength, type Extent } from './extents';
import { type FixtureFile, type FixtureFs, fileReader, makeFilesystem, missingTools, seededBytes } from './testing/fixture-disk';
import { covered, disjoint, ext4FreeExtents, fatUsedClusters, ntfsFreeClusters } from './testing/ground-truth';

const MiB = 1024 * 1024;
const KINDS: FixtureFs[] = ['ext4', 'fat12', 'fat16', 'fat32', 'ntfs', 'swap'];
let dir: string;

beforeAll(() => {
  // CI installs these (tools/setup.sh); a machine without them fails here, loudly, not silently.
  expect(missingTools(KINDS)).toEqual([]);
  dir = mkdtempSync(join(tmpdir(), 'diskmap-fs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files = (fs: string): FixtureFile[] => [0, 1, 2].map((i) => ({ name: `k${i}.bin`, data: seededBytes(`${fs}:${i}`, 5000 + i * 90_001) }));
const gone = (fs: string): FixtureFile[] => [{ name: 'gone.bin', data: seededBytes(`${fs}:gone`, 300_000) }];

async function mapFile(path: string, size: number): Promise<Awaited<ReturnType<typeof mapDisk>>> {
  const r = fileReader(path);
  try {
    return await mapDisk(r.read, size);
  } finally {
    r.close();
  }
}

/** Every 512-byte piece of each file sits, byte for byte, inside a used extent. */
function expectFilesInside(img: Buffer, used: readonly Extent[], fileList: FixtureFile[]): void {
  for (const f of fileList) {
    for (let off = 0; off + 512 <= f.data.length; off += 512) {
      const piece = f.data.subarray(off, off + 512);
      const at = img.indexOf(piece);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(covered(used, at, 512)).toBe(true);
    }
  }
}

/** The deleted file's bytes are still on the disk, and outside the map. */
function expectDeletedOutside(img: Buffer, used: readonly Extent[], deleted: FixtureFile[]): void {
  for (const f of deleted) {
    const at = img.indexOf(f.data.subarray(4096, 4096 + 512));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(disjoint(used, at, 512)).toBe(true);
  }
}

describe.each([
  [16, '1 KiB blocks', []],
  [64, '4 KiB blocks, 64bit, 8 groups in flex_bg of 4, BLOCK_UNINIT groups', ['-b', '4096', '-g', '2048', '-O', '64bit', '-G', '4']],
  [48, 'ext2 without flex_bg or uninit groups', ['-t', 'ext2', '-O', '^uninit_bg,^metadata_csum']],
] as const)('ext4 of %i MiB, %s', (mib, _what, args) => {
  it('uses exactly the blocks dumpe2fs does not list as free, files inside, deleted data outside', async () => {
    const path = join(dir, `ext4-${mib}.img`);
    makeFilesystem(path, 'ext4', mib * MiB, files('ext4'), gone('ext4'), [...args]);
    const map = await mapFile(path, mib * MiB);
    expect(map.regions).toMatchObject([{ filesystem: 'ext', method: 'allocation-map' }]);
    const img = readFileSync(path);
    const blockSize = 1024 << img.readUInt32LE(1024 + 0x18);
    const free = ext4FreeExtents(path, blockSize);
    const b = new ExtentBuilder();
    b.addAll(map.used);
    b.addAll(free);
    // Used and free partition the filesystem: they never overlap and together cover it all.
    for (const f of free) expect(disjoint(map.used, f.start, f.length)).toBe(true);
    expect(b.finish()).toEqual([{ start: 0, length: mib * MiB }]);
    expect(totalLength(map.used) + totalLength(free)).toBe(mib * MiB);
    expectFilesInside(img, map.used, files('ext4'));
    expectDeletedOutside(img, map.used, gone('ext4'));
  });
});

describe.each([
  ['fat12', 2],
  ['fat16', 8],
  ['fat32', 34],
] as const)('%s of %i MiB', (fs, mib) => {
  it('uses the clusters fsck.fat counts, plus the reserved, FAT and root areas', async () => {
    const path = join(dir, `${fs}.img`);
    makeFilesystem(path, fs, mib * MiB, files(fs), gone(fs));
    const map = await mapFile(path, mib * MiB);
    expect(map.regions).toMatchObject([{ filesystem: fs, method: 'allocation-map' }]);
    const img = readFileSync(path);
    const bps = img.readUInt16LE(11);
    const spc = img.readUInt8(13);
    const fatSectors = img.readUInt16LE(22) || img.readUInt32LE(36);
    const dataStart = (img.readUInt16LE(14) + img.readUInt8(16) * fatSectors + Math.ceil((img.readUInt16LE(17) * 32) / bps)) * bps;
    const clusterBytes = bps * spc;
    const truth = fatUsedClusters(path);
    const clusterEnd = dataStart + truth.total * clusterBytes;
    const inData = map.used
      .map((e) => Math.max(0, Math.min(e.start + e.length, clusterEnd) - Math.max(e.start, dataStart)))
      .reduce((a, n) => a + n, 0);
    expect(inData / clusterBytes).toBe(truth.used);
    expect(covered(map.used, 0, dataStart)).toBe(true);
    expectFilesInside(img, map.used, files(fs));
    expectDeletedOutside(img, map.used, gone(fs));
  });
});

it('ntfs: used clusters are those ntfscluster does not count free, files inside', async () => {
  const path = join(dir, 'ntfs.img');
  const size = 12 * MiB;
  makeFilesystem(path, 'ntfs', size, files('ntfs'), [], ['-c', '1024']);
  const map = await mapFile(path, size);
  expect(map.regions).toMatchObject([{ filesystem: 'ntfs', method: 'allocation-map' }]);
  const img = readFileSync(path);
  const clusterBytes = img.readUInt16LE(11) * img.readUInt8(13);
  const totalClusters = Math.floor((Number(img.readBigUInt64LE(0x28)) * img.readUInt16LE(11)) / clusterBytes);
  const clusterEnd = totalClusters * clusterBytes;
  const inClusters = map.used.map((e) => Math.max(0, Math.min(e.start + e.length, clusterEnd) - e.start)).reduce((a, n) => a + n, 0);
  expect(inClusters / clusterBytes).toBe(totalClusters - ntfsFreeClusters(path));
  // The backup boot sector past the last cluster is kept.
  expect(covered(map.used, size - 512, 512)).toBe(true);
  expectFilesInside(img, map.used, files('ntfs'));
  // mkntfs -Q leaves the garbage: most of the volume is free and outside the map.
  expect(map.usedBytes).toBeLessThan(size / 2);
});

it('swap: only the header page is used', async () => {
  const path = join(dir, 'swap.img');
  makeFilesystem(path, 'swap', 4 * MiB, []);
  const map = await mapFile(path, 4 * MiB);
  expect(map.regions).toMatchObject([{ filesystem: 'swap', method: 'header-only' }]);
  expect(map.used).toEqual([{ start: 0, length: 4096 }]);
});

it('the 64 MiB ext4 fixture really has BLOCK_UNINIT groups (so the test above covers them)', () => {
  const path = join(dir, 'ext4-64.img');
  const out = execFileSync('dumpe2fs', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  expect(out).toContain('BLOCK_UNINIT');
  expect(out).toMatch(/features:.*64bit.*flex_bg/);
});
