import { type DiskInfo, parseDiskSelector, parseSize, selectDisk } from './disk-select';

const G = 1e9;
function disk(name: string, over: Partial<DiskInfo> = {}): DiskInfo {
  return { name, path: `/dev/${name}`, sizeBytes: 500 * G, model: null, serial: null, wwn: null, removable: false, rotational: false, ...over };
}

// A desk machine: two NVMe drives, a SATA disk, a USB stick, a loop device bigger than all of them.
const disks: DiskInfo[] = [
  disk('sda', { sizeBytes: 2000 * G, model: 'ST2000DM008-2FR102', serial: 'ZFL1ABCD', wwn: '0x5000c500a1b2c3d4', rotational: true }),
  disk('nvme1n1', { sizeBytes: 1000 * G, model: 'Samsung SSD 980 PRO 1TB', serial: 'S5GXNX0T111111', wwn: 'eui.002538b111111111' }),
  disk('nvme0n1', { sizeBytes: 256 * G, model: 'Samsung SSD 980 PRO 250GB', serial: 'S5GXNX0T000000' }),
  disk('sdb', { sizeBytes: 32 * G, model: 'Ultra USB 3.0', serial: '4C530001', removable: true }),
  disk('loop0', { sizeBytes: 4000 * G }),
];

/** The chosen path, or the refusal reason in brackets. */
function pick(selector: string, imageBytes = 100 * G, list: DiskInfo[] = disks): string {
  const c = selectDisk(selector, list, imageBytes);
  return c.ok ? c.disk.path : `[${c.reason}]`;
}

describe('selectDisk', () => {
  it.each<[string, number, string]>([
    ['first-fixed', 100 * G, '/dev/nvme0n1'],
    ['first-fixed', 300 * G, '/dev/nvme1n1'],
    ['first-fixed', 1500 * G, '/dev/sda'],
    ['first-fixed', 3000 * G, '[no-match]'],
    ['serial:ZFL1ABCD', 100 * G, '/dev/sda'],
    ['serial:zfl1abcd', 100 * G, '/dev/sda'],
    ['serial:NOPE', 100 * G, '[no-match]'],
    ['wwn:5000C500A1B2C3D4', 100 * G, '/dev/sda'],
    ['wwn:naa.5000c500a1b2c3d4', 100 * G, '/dev/sda'],
    ['wwn:eui.002538b111111111', 100 * G, '/dev/nvme1n1'],
    ['model:samsung*1TB', 100 * G, '/dev/nvme1n1'],
    ['model:Samsung*', 100 * G, '[ambiguous]'],
    ['model:Samsung*250GB', 300 * G, '[too-small]'],
    ['size:900G-1.5T', 100 * G, '/dev/nvme1n1'],
    ['size:1T-', 100 * G, '[ambiguous]'],
    ['size:-100G', 10 * G, '/dev/sdb'],
    ['size:3T-', 100 * G, '[no-match]'],
    ['path:/dev/sdb', 10 * G, '/dev/sdb'],
    ['path:/dev/loop0', 100 * G, '/dev/loop0'],
    ['path:/dev/sdz', 100 * G, '[no-match]'],
    ['serial', 100 * G, '[bad-selector]'],
    ['biggest', 100 * G, '[bad-selector]'],
    ['size:big-', 100 * G, '[bad-selector]'],
    ['size:2T-1T', 100 * G, '[bad-selector]'],
    ['path:/dev/../etc/passwd', 100 * G, '[bad-selector]'],
  ])('%s for %d bytes -> %s', (selector, imageBytes, expected) => {
    expect(pick(selector, imageBytes)).toBe(expected);
  });

  it('never picks a loop device except by path:, even when it alone is large enough', () => {
    expect(pick('first-fixed', 3000 * G)).toBe('[no-match]');
    expect(pick('size:3T-', 100 * G)).toBe('[no-match]');
    expect(pick('first-fixed', G, [disk('loop0'), disk('loop1')])).toBe('[no-match]');
  });

  it('a refusal lists every disk, says nothing was written, and marks loop devices', () => {
    const c = selectDisk('model:Samsung*', disks, 100 * G);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.message).toBe(
      [
        '2 disks match model:Samsung* (/dev/nvme0n1, /dev/nvme1n1) and it cannot tell them apart; nothing was written. Disks:',
        '  /dev/loop0: 4.0 TB, only by path:',
        '  /dev/nvme0n1: 256.0 GB, model "Samsung SSD 980 PRO 250GB", serial S5GXNX0T000000',
        '  /dev/nvme1n1: 1.0 TB, model "Samsung SSD 980 PRO 1TB", serial S5GXNX0T111111, wwn eui.002538b111111111',
        '  /dev/sda: 2.0 TB, model "ST2000DM008-2FR102", serial ZFL1ABCD, wwn 0x5000c500a1b2c3d4',
        '  /dev/sdb: 32.0 GB, model "Ultra USB 3.0", serial 4C530001, removable',
      ].join('\n'),
    );
    expect(c.disks).toHaveLength(5);
    expect(selectDisk('first-fixed', [], G)).toMatchObject({ ok: false, reason: 'no-match', message: expect.stringContaining('(no disks found)') });
  });
});

describe('parseDiskSelector / parseSize', () => {
  it('reads sizes as disks are sold (G = 10^9, GiB = 2^30)', () => {
    expect([parseSize('200G'), parseSize('2T'), parseSize('1.5 TB'), parseSize('64GiB'), parseSize('512'), parseSize('12 parsecs')]).toEqual([200e9, 2e12, 1.5e12, 64 * 2 ** 30, 512, undefined]);
  });
  it('names the problem in a bad selector', () => {
    expect(parseDiskSelector('colour:red')).toEqual({ error: expect.stringMatching(/unknown kind "colour"/) });
    expect(parseDiskSelector('size:1T')).toEqual({ error: expect.stringMatching(/expected size:MIN-MAX/) });
    expect(parseDiskSelector('  first-fixed ')).toEqual({ kind: 'first-fixed' });
  });
});
