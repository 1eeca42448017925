import { mbrSector } from './mbr';

describe('mbrSector', () => {
  it('holds the boot code, one bootable FAT16 entry from LBA 2048 and the 55 AA signature', () => {
    const code = Buffer.alloc(440, 0x90);
    const s = mbrSector(code, [{ startLba: 2048, sectors: 63488, type: 0x06, bootable: true }], 0x11223344);
    expect(s.length).toBe(512);
    expect(s.subarray(0, 440).equals(code)).toBe(true);
    expect(s.subarray(440, 444).toString('hex')).toBe('44332211');
    // status, CHS first (LBA), type, CHS last (LBA), first LBA, sectors: as sfdisk -d reads them.
    expect(s.subarray(446, 462).toString('hex')).toBe('80feffff06feffff0008000000f80000');
    expect(s.subarray(462, 510).every((b) => b === 0)).toBe(true);
    expect(s.subarray(510).toString('hex')).toBe('55aa');
  });

  it('refuses boot code over 440 bytes, a fifth partition and an entry past 2 TiB', () => {
    expect(() => mbrSector(Buffer.alloc(441), [])).toThrow(/440/);
    const p = { startLba: 2048, sectors: 1, type: 6, bootable: false };
    expect(() => mbrSector(Buffer.alloc(0), [p, p, p, p, p])).toThrow(/4 partitions/);
    expect(() => mbrSector(Buffer.alloc(0), [{ ...p, sectors: 0xffffffff }])).toThrow(/does not fit/);
  });
});
