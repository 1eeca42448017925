import { devMajorMinor, parseMountinfo, parseSwaps } from './mountinfo';

describe('parseMountinfo', () => {
  it.each([
    [
      'a plain ext4 mount',
      '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
      [{ device: '98:0', mountPoint: '/mnt/parent', fsType: 'ext3', source: '/dev/root' }],
    ],
    [
      'no optional fields, escaped space in the mount point',
      '22 1 8:1 / /media/my\\040disk rw - vfat /dev/sda1 rw',
      [{ device: '8:1', mountPoint: '/media/my disk', fsType: 'vfat', source: '/dev/sda1' }],
    ],
    [
      'several optional fields',
      '40 22 259:2 / /boot rw shared:5 master:3 propagate_from:2 - xfs /dev/nvme0n1p2 rw',
      [{ device: '259:2', mountPoint: '/boot', fsType: 'xfs', source: '/dev/nvme0n1p2' }],
    ],
    ['a malformed line is skipped', 'garbage line\n\n1 2 x:y / / rw - ext4 a rw', []],
  ])('%s', (_name, text, expected) => {
    expect(parseMountinfo(text)).toEqual(expected);
  });
});

describe('parseSwaps', () => {
  it('lists the first column without the header', () => {
    expect(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n/dev/sda2  partition\t1\t0\t-2\n/swap\\040file file 1 0 -3\n')).toEqual(['/dev/sda2', '/swap file']);
    expect(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n')).toEqual([]);
  });
});

describe('devMajorMinor', () => {
  it.each([
    [0x0800n, '8:0'],
    [0x0801n, '8:1'],
    [0x10300n, '259:0'],
    [(259n << 8n) | 0x5n | (0x12n << 12n) * 0x100n, '259:4613'],
  ])('%p -> %s', (rdev, expected) => {
    expect(devMajorMinor(rdev)).toBe(expected);
  });
});
