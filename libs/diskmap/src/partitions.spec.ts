// Partition tables of real disks: sfdisk's MBR with logical partitions, sgdisk's GPT; the table's
// own structures are kept, unpartitioned space is not.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapDisk } from './map-disk';
import { makeGptDisk, makeMbrDisk } from './testing/fixture-disk';
import { covered, disjoint } from './testing/ground-truth';
import { Patches, overlayDisk } from './testing/overlay';

const MiB = 1024 * 1024;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diskmap-pt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MBR with an extended partition', () => {
  it('finds the primary and both logical partitions, keeps the EBRs, maps each filesystem', async () => {
    const d = makeMbrDisk(dir);
    const base = readFileSync(d.path);
    const m = await mapDisk(overlayDisk(base, new Map()).read, d.size);
    expect(m.table).toBe('mbr');
    expect(m.regions.map((r) => [r.index, r.type, r.filesystem, r.method, r.start])).toEqual([
      [1, '0x06', 'fat16', 'allocation-map', d.partitions[0]!.start],
      [5, '0x83', 'ext', 'allocation-map', d.partitions[1]!.start],
      [6, '0x01', 'fat12', 'allocation-map', d.partitions[2]!.start],
    ]);
    // Each logical partition's EBR sits in the sector(s) before it.
    for (const p of d.partitions.slice(1)) {
      const ebr = base.lastIndexOf(Buffer.from([0x55, 0xaa]), p.start - 1) - 510;
      expect(covered(m.used, ebr, 512)).toBe(true);
    }
    expect(covered(m.used, 0, d.partitions[0]!.start)).toBe(true);
    for (const p of d.partitions) for (const f of p.files) expect(covered(m.used, base.indexOf(f.data.subarray(0, 512)), 512)).toBe(true);

    // An EBR chain that points back at itself ends with a note instead of looping.
    const firstEbr = 18432 * 512;
    const secondRel = base.readUInt32LE(firstEbr + 446 + 16 + 8);
    const secondEbr = (18432 + secondRel) * 512;
    const loop = new Patches().u8(secondEbr + 446 + 16 + 4, 0x05).u32(secondEbr + 446 + 16 + 8, secondRel);
    const looped = await mapDisk(overlayDisk(base, loop).read, d.size);
    expect(looped.regions.map((r) => r.index)).toEqual([1, 5, 6]);
    expect(looped.reasons.join()).toMatch(/EBR chain loops back/);
  }, 60_000);
});

describe('GPT', () => {
  it('keeps the first MiB and the backup GPT, leaves unpartitioned space out', async () => {
    const d = makeGptDisk(dir, [
      { fs: 'ext4', mib: 16, gptType: '8300' },
      { fs: 'swap', mib: 2, gptType: '8200' },
    ], 'gpt');
    const base = readFileSync(d.path);
    const m = await mapDisk(overlayDisk(base, new Map()).read, d.size);
    expect(m.table).toBe('gpt');
    expect(covered(m.used, 0, MiB)).toBe(true);
    expect(covered(m.used, d.size - 33 * 512, 33 * 512)).toBe(true);
    // The MiB between the last partition and the backup GPT is unpartitioned: not kept.
    expect(disjoint(m.used, 19 * MiB, 64 * 1024)).toBe(true);
    expect(m.source).toBe('filesystem');
  }, 60_000);
});
