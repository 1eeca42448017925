import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preflightTarget, type SystemProbe } from './preflight';
import { fakeBlockStat, fakeSystem } from './testing/fake-system';
import { tempDir } from './testing/fixtures';

const t = tempDir('preflight');
afterAll(() => t.cleanup());
let n = 0;
const MiB = 1024 * 1024;

function sys(o: Parameters<typeof fakeSystem>[1], rdev = '8:0'): SystemProbe {
  const root = join(t.dir, `sys${n++}`);
  mkdirSync(root);
  return { ...fakeSystem(root, o), statTarget: fakeBlockStat(rdev) };
}

describe('preflightTarget: files', () => {
  it('accepts a new file in an existing folder and an existing file', async () => {
    await expect(preflightTarget(join(t.dir, 'new.img'), MiB, MiB)).resolves.toMatchObject({ kind: 'new-file', capacity: MiB, warnings: [] });
    writeFileSync(join(t.dir, 'old.img'), 'x');
    await expect(preflightTarget(join(t.dir, 'old.img'), MiB, MiB)).resolves.toMatchObject({ kind: 'file' });
  });

  it('warns (does not refuse) when the filesystem lacks room for the non-zero data', async () => {
    const r = await preflightTarget(join(t.dir, 'huge.img'), 2 ** 60, 2 ** 60);
    expect(r.warnings).toEqual([expect.stringContaining('no space left')]);
  });

  it('refuses a directory', async () => {
    await expect(preflightTarget(t.dir, MiB, MiB)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_IS_DIRECTORY', message: expect.stringContaining('is a directory') });
  });

  it('refuses a file in a missing folder', async () => {
    await expect(preflightTarget(join(t.dir, 'no', 'such', 'x.img'), MiB, MiB)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_PARENT_MISSING' });
  });

  it('refuses a target that is not writable', async () => {
    const probe: SystemProbe = { checkWritable: async () => Promise.reject(Object.assign(new Error('EROFS'), { code: 'EROFS' })) };
    await expect(preflightTarget(join(t.dir, 'ro.img'), MiB, MiB, { probe })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_NOT_WRITABLE', data: { errno: 'EROFS' } });
  });

  it('refuses a character device', async () => {
    await expect(preflightTarget('/dev/null', MiB, MiB)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_UNSUPPORTED_TYPE' });
  });
});

describe('preflightTarget: block devices (fake /sys and mountinfo)', () => {
  it('accepts an unmounted, unheld disk that is large enough and reports its size from sysfs', async () => {
    await expect(preflightTarget('/dev/sdz', 64 * MiB, 64 * MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB }) })).resolves.toEqual({
      kind: 'block',
      capacity: 64 * MiB,
      warnings: [],
    });
  });

  it('refuses a device unless allowDevice', async () => {
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { probe: sys({ diskBytes: 64 * MiB }) })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_DEVICE_NOT_ALLOWED' });
  });

  it('refuses devices on other platforms', async () => {
    const probe = { ...sys({ diskBytes: 64 * MiB }), platform: 'win32' as const };
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_DEVICE_UNSUPPORTED' });
  });

  it('refuses a disk smaller than the image', async () => {
    await expect(preflightTarget('/dev/sdz', 64 * MiB + 1, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB }) })).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_TOO_SMALL',
      data: { expected: 64 * MiB + 1, actual: 64 * MiB },
    });
  });

  it('refuses a mounted disk', async () => {
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB, mounts: { '8:0': '/data' } }) })).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_MOUNTED',
      data: { device: '8:0', mountPoint: '/data' },
      message: expect.stringContaining('unmount'),
    });
  });

  it('refuses a whole disk one of whose partitions is mounted', async () => {
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB, mounts: { '8:2': '/my boot' } }) })).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_MOUNTED',
      data: { device: '8:2', mountPoint: '/my boot' },
    });
  });

  it('accepts a partition while a sibling partition is mounted, refuses it when it is mounted itself', async () => {
    await expect(preflightTarget('/dev/sdz1', MiB, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB, mounts: { '8:2': '/boot' } }, '8:1') })).resolves.toMatchObject({
      kind: 'block',
      capacity: 32 * MiB,
    });
    await expect(preflightTarget('/dev/sdz1', MiB, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB, mounts: { '8:1': '/' } }, '8:1') })).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_MOUNTED',
    });
  });

  it('refuses a disk whose partition holds a mounted device-mapper volume', async () => {
    const probe = sys({ diskBytes: 64 * MiB, holders: { sdz1: ['dm-7'] }, mounts: { '253:7': '/home' } });
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_MOUNTED', data: { device: '253:7' } });
  });

  it('refuses a disk held by an unmounted device-mapper / LVM / RAID device', async () => {
    const probe = sys({ diskBytes: 64 * MiB, holders: { sdz1: ['dm-7'] } });
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe })).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_IN_USE',
      message: expect.stringContaining('dm-7'),
    });
  });

  it('refuses a disk with an active swap partition', async () => {
    const probe = sys({ diskBytes: 64 * MiB, swaps: ['/dev/sdz2'] });
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_IN_USE', message: expect.stringContaining('swap') });
  });

  it('refuses to write when mountinfo cannot be read', async () => {
    const probe = { ...sys({ diskBytes: 64 * MiB }), mountinfoPath: join(t.dir, 'missing-mountinfo') };
    await expect(preflightTarget('/dev/sdz', MiB, MiB, { allowDevice: true, probe })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_PROBE_FAILED' });
  });

  it('refuses to write when sysfs does not know the device', async () => {
    await expect(preflightTarget('/dev/sdq', MiB, MiB, { allowDevice: true, probe: sys({ diskBytes: 64 * MiB }, '8:16') })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_PROBE_FAILED' });
  });
});
