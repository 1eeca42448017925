// A crafted or damaged disk never crashes or hangs the map: each row damages one field of a real
// fixture disk and names the fallback it expects; a seeded property test then scribbles over the
// metadata at random and checks the map still ends, inside its read budget, with a sane result.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { type DiskMap, mapDisk } from './map-disk';
import { ReadBudget } from './reader';
import { type FixtureDisk, makeGptDisk } from './testing/fixture-disk';
import { Patches, overlayDisk } from './testing/overlay';

const MiB = 1024 * 1024;
let dir: string;
let disk: FixtureDisk;
let base: Buffer;
let healthy: DiskMap;

const LAYOUT = [
  { fs: 'fat32', mib: 34, gptType: 'ef00' },
  { fs: 'ext4', mib: 16, gptType: '8300' },
  { fs: 'ntfs', mib: 8, gptType: '0700' },
  { fs: 'swap', mib: 2, gptType: '8200' },
] as const;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diskmap-bad-'));
  disk = makeGptDisk(dir, LAYOUT, 'bad');
  base = readFileSync(disk.path);
  healthy = await mapDisk(overlayDisk(base, new Map()).read, disk.size);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const part = (i: number): number => disk.partitions[i]?.start ?? 0;
const FAT = 0;
const EXT = 1;
const NTFS = 2;
const SWAP = 3;

/** Where NTFS's $Bitmap record (MFT record 6) starts, and its unnamed $DATA attribute. */
function ntfsBitmapRecord(): { rec: number; data: number } {
  const p = part(NTFS);
  const cluster = base.readUInt16LE(p + 11) * base.readUInt8(p + 13);
  const perRec = base.readInt8(p + 0x40);
  const recBytes = perRec > 0 ? perRec * cluster : 2 ** -perRec;
  const rec = p + Number(base.readBigUInt64LE(p + 0x30)) * cluster + 6 * recBytes;
  let a = rec + base.readUInt16LE(rec + 0x14);
  while (base.readUInt32LE(a) !== 0x80) a += base.readUInt32LE(a + 4);
  return { rec, data: a };
}

/** Rewrites the primary GPT's entry-array and header CRCs after a patch to an entry. */
function fixGptCrcs(p: Patches): Patches {
  const view = Buffer.from(base.subarray(0, 34 * 512));
  for (const [at, v] of p) if (at < view.length) view[at] = v;
  const entries = view.readUInt32LE(512 + 80) * view.readUInt32LE(512 + 84);
  view.writeUInt32LE(crc32(view.subarray(1024, 1024 + entries)), 512 + 88);
  view.writeUInt32LE(0, 512 + 16);
  view.writeUInt32LE(crc32(view.subarray(512, 512 + view.readUInt32LE(512 + 12))), 512 + 16);
  return p.bytes(512 + 16, view.subarray(512 + 16, 512 + 20)).bytes(512 + 88, view.subarray(512 + 88, 512 + 92));
}

const region = (m: DiskMap, index: number) => m.regions.find((r) => r.index === index);

interface Row {
  readonly name: string;
  readonly patch: () => Patches;
  readonly check: (m: DiskMap) => void;
}

const fellBack = (index: number, reason: RegExp) => (m: DiskMap): void => {
  expect(region(m, index)).toMatchObject({ method: 'every-block', usedBytes: disk.partitions[index - 1]?.length });
  expect(region(m, index)?.reason).toMatch(reason);
  // The other partitions are still mapped from their filesystems.
  for (const r of m.regions) if (r.index !== index) expect(r).toEqual(region(healthy, r.index));
};

const ROWS: Row[] = [
  {
    name: 'primary GPT header CRC broken: the backup is used',
    patch: () => new Patches().u8(512 + 16, base[512 + 16]! ^ 0xff),
    check: (m) => {
      expect(m.reasons.join()).toMatch(/primary GPT unusable.*CRC32/);
      expect(m.regions).toEqual(healthy.regions);
    },
  },
  {
    name: 'primary GPT entry array changed (its CRC no longer matches): the backup is used',
    patch: () => new Patches().u8(1024 + 32, base[1024 + 32]! ^ 1),
    check: (m) => {
      expect(m.reasons.join()).toMatch(/entry array CRC32/);
      expect(m.regions).toEqual(healthy.regions);
    },
  },
  {
    name: 'no primary GPT signature: the backup is used',
    patch: () => new Patches().bytes(512, Buffer.alloc(8)),
    check: (m) => {
      expect(m.reasons.join()).toMatch(/no primary GPT header; using the backup/);
      expect(m.regions).toEqual(healthy.regions);
    },
  },
  {
    name: 'both GPT headers broken: the whole disk, every block',
    patch: () => new Patches().bytes(512, Buffer.alloc(8)).bytes(disk.size - 512, Buffer.alloc(8)),
    check: (m) => {
      expect(m).toMatchObject({ table: 'none', source: 'every-block', usedBytes: disk.size, used: [{ start: 0, length: disk.size }] });
      expect(m.reasons[0]).toMatch(/partition table unusable: DISKMAP_CORRUPT/);
    },
  },
  {
    name: 'a GPT entry running past the disk end is cut to the disk (CRCs fixed)',
    patch: () => fixGptCrcs(new Patches().u64(1024 + 3 * 128 + 40, BigInt(disk.size / 512 + 5000))),
    check: (m) => {
      expect(m.reasons.join()).toMatch(/partition 4 runs past the disk end/);
      const r4 = region(m, 4);
      expect((r4?.start ?? 0) + (r4?.length ?? 0)).toBe(disk.size);
    },
  },
  { name: 'ext block size 2^50', patch: () => new Patches().u32(part(EXT) + 1024 + 0x18, 40), check: fellBack(2, /DISKMAP_CORRUPT: ext s_log_block_size/) },
  { name: 'ext block count past the partition', patch: () => new Patches().u32(part(EXT) + 1024 + 0x04, 0xfffffff0), check: fellBack(2, /s_blocks_count/) },
  { name: 'ext blocks per group 7', patch: () => new Patches().u32(part(EXT) + 1024 + 0x20, 7), check: fellBack(2, /s_blocks_per_group/) },
  { name: 'ext meta_bg', patch: () => new Patches().u32(part(EXT) + 1024 + 0x60, base.readUInt32LE(part(EXT) + 1024 + 0x60) | 0x10), check: fellBack(2, /DISKMAP_UNSUPPORTED: ext meta_bg/) },
  {
    name: 'ext group 0 block bitmap past the filesystem',
    // 16 MiB ext4 has 1 KiB blocks: the descriptors start at block 2.
    patch: () => new Patches().u32(part(EXT) + 2048, 0xfffffff0),
    check: fellBack(2, /ext group 0 block bitmap/),
  },
  {
    name: 'FAT32 table of one sector (the fallback still names the FAT type)',
    patch: () => new Patches().u32(part(FAT) + 36, 1),
    check: (m) => {
      fellBack(1, /FAT size/)(m);
      expect(region(m, 1)?.filesystem).toBe('fat32');
    },
  },
  { name: 'FAT32 total sectors past the partition', patch: () => new Patches().u32(part(FAT) + 32, 0xffffffff), check: fellBack(1, /FAT total sectors/) },
  { name: 'NTFS $MFT cluster past the volume', patch: () => new Patches().u64(part(NTFS) + 0x30, 1n << 40n), check: fellBack(3, /NTFS \$MFT cluster/) },
  { name: 'NTFS MFT record size 127 clusters', patch: () => new Patches().u8(part(NTFS) + 0x40, 0x7f), check: fellBack(3, /MFT record size/) },
  { name: 'NTFS $Bitmap record torn (update sequence)', patch: () => new Patches().u8(ntfsBitmapRecord().rec + 510, base[ntfsBitmapRecord().rec + 510]! ^ 0xff), check: fellBack(3, /update sequence/) },
  {
    name: 'NTFS $Bitmap data run past the volume',
    patch: () => {
      const { data } = ntfsBitmapRecord();
      const runs = data + base.readUInt16LE(data + 0x20);
      return new Patches().bytes(runs, Uint8Array.of(0x44, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0x10, 0));
    },
    check: fellBack(3, /NTFS data run/),
  },
  {
    name: 'NTFS $Bitmap runlist without terminator',
    patch: () => {
      const { data } = ntfsBitmapRecord();
      const len = base.readUInt32LE(data + 4);
      const runs = data + base.readUInt16LE(data + 0x20);
      // Runs of one cluster at +0 forever: each header 0x11, length 1, delta 0.
      // A partial last run (0x11 0x11) cannot end the list either.
      const filler = Buffer.alloc(data + len - runs, 0x11);
      for (let i = 0; i + 3 <= filler.length; i += 3) filler.set([0x11, 1, 0], i);
      return new Patches().bytes(runs, filler);
    },
    check: fellBack(3, /NTFS data run/),
  },
  { name: 'swap signature gone', patch: () => new Patches().bytes(part(SWAP) + 4096 - 10, Buffer.from('XXXXXXXXXX')), check: fellBack(4, /no known filesystem signature/) },
];

describe('corrupted fixtures', () => {
  it('the healthy disk maps every partition from its filesystem', () => {
    expect(healthy.regions.map((r) => [r.filesystem, r.method])).toEqual([
      ['fat32', 'allocation-map'],
      ['ext', 'allocation-map'],
      ['ntfs', 'allocation-map'],
      ['swap', 'header-only'],
    ]);
    expect(healthy.reasons).toEqual([]);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const m = await mapDisk(overlayDisk(base, row.patch()).read, disk.size);
    row.check(m);
  });

  it('a read error inside one partition keeps that partition whole, with the reason', async () => {
    const p = disk.partitions[EXT]!;
    const d = overlayDisk(base, new Map(), (off) => off >= p.start && off < p.start + p.length);
    const m = await mapDisk(d.read, disk.size);
    fellBack(2, /DISKMAP_READ_FAILED: .*EIO/)(m);
  });

  it('a spent read budget keeps the rest whole instead of reading on', async () => {
    const d = overlayDisk(base, new Map());
    const m = await mapDisk(d.read, disk.size, { budget: new ReadBudget(64 * 1024, 1000) });
    expect(d.stats.bytes).toBeLessThanOrEqual(64 * 1024 + 4 * MiB);
    expect(m.regions.some((r) => /DISKMAP_READ_BUDGET/.test(r.reason ?? ''))).toBe(true);
  });
});

/** Metadata zones worth scribbling on: GPT copies, each partition's first 256 KiB, NTFS's first MFT records. */
function zones(): { start: number; length: number }[] {
  const z = [
    { start: 0, length: 34 * 512 },
    { start: disk.size - 33 * 512, length: 33 * 512 },
    ...disk.partitions.map((p) => ({ start: p.start, length: 256 * 1024 })),
  ];
  const { rec } = ntfsBitmapRecord();
  z.push({ start: rec - 6 * 1024, length: 16 * 1024 });
  return z;
}

it('random corruption of metadata: the map always ends, within budget, with sorted in-disk extents (seeded)', async () => {
  const zs = zones();
  const seed = Number(process.env['DISKMAP_FUZZ_SEED'] ?? 20261206);
  const patchArb = fc.array(
    fc.record({ zone: fc.nat(zs.length - 1), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), wide: fc.boolean() }),
    { minLength: 1, maxLength: 24 },
  );
  await fc.assert(
    fc.asyncProperty(patchArb, async (edits) => {
      const p = new Patches();
      for (const e of edits) {
        const z = zs[e.zone]!;
        const at = z.start + (e.at % z.length);
        // `wide` writes 0xff.. over a 4-byte field: the typical "huge count" attack.
        if (e.wide) p.u32(at - (at % 4), 0xffffffff - e.value);
        else p.u8(at, e.value);
      }
      const budget = new ReadBudget(32 * MiB, 20_000);
      const d = overlayDisk(base, p);
      const m = await mapDisk(d.read, disk.size, { budget });
      expect(d.stats.reads).toBeLessThanOrEqual(20_001);
      let prevEnd = -1;
      for (const e of m.used) {
        expect(e.start).toBeGreaterThan(prevEnd);
        expect(e.length).toBeGreaterThan(0);
        prevEnd = e.start + e.length;
      }
      expect(prevEnd).toBeLessThanOrEqual(disk.size);
      // Whatever happened, the start of the disk (boot code, GPT) is always kept.
      expect(m.used[0]?.start).toBe(0);
    }),
    { seed, numRuns: 200 },
  );
}, 120_000);
