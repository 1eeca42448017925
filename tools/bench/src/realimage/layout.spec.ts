import { diskLayout, sgdiskArgs } from './layout';

const MiB = 1024 * 1024;

describe('realistic disk layout', () => {
  it('puts ESP, root and data on MiB boundaries, in order, inside the disk with room for the backup GPT', () => {
    const l = diskLayout(2048);
    expect(l.partitions.map((p) => [p.fs, p.startByte / MiB, p.lengthBytes / MiB])).toEqual([
      ['fat32', 1, 256],
      ['ext4', 257, 1118],
      ['ntfs', 1375, 672],
    ]);
    const last = l.partitions.at(-1);
    expect((last?.startByte ?? 0) + (last?.lengthBytes ?? 0)).toBe(l.sizeBytes - MiB);
  });

  it('gives sgdisk every partition by explicit sectors', () => {
    expect(sgdiskArgs(diskLayout(1024), '/tmp/d.img')).toEqual([
      '--zap-all', '--clear',
      '--new=1:2048:526335', '--typecode=1:ef00', '--change-name=1:EFI system',
      '--new=2:526336:1505279', '--typecode=2:8300', '--change-name=2:root',
      '--new=3:1505280:2095103', '--typecode=3:0700', '--change-name=3:data',
      '/tmp/d.img',
    ]);
  });

  it('refuses a disk too small for the layout', () => {
    expect(() => diskLayout(512)).toThrow(/at least 1024 MiB/);
  });
});
