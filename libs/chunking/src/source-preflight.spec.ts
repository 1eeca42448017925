import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preflightSource } from './source-preflight';
import { fakeBlockStat, fakeSystem } from './testing/fake-system';
import { tempDir } from './testing/fixtures';

const t = tempDir('source');
afterAll(() => t.cleanup());
let n = 0;
const system = (o: Parameters<typeof fakeSystem>[1]) => {
  const root = join(t.dir, `s${n++}`);
  mkdirSync(root, { recursive: true });
  return { ...fakeSystem(root, o), statTarget: fakeBlockStat('8:0') };
};

describe('preflightSource', () => {
  it('takes an idle disk with its sysfs size, and a regular file with its size', async () => {
    await expect(preflightSource('/dev/sdz', system({ diskBytes: 1 << 20 }))).resolves.toEqual({ kind: 'block', size: 1 << 20 });
    const f = join(t.dir, 'img');
    writeFileSync(f, Buffer.alloc(4096));
    await expect(preflightSource(f)).resolves.toEqual({ kind: 'file', size: 4096 });
  });

  it.each([
    ['a mounted partition', { mounts: { '8:2': '/home' } }, 'CHUNKING_TARGET_MOUNTED'],
    ['the disk itself mounted', { mounts: { '8:0': '/mnt' } }, 'CHUNKING_TARGET_MOUNTED'],
    ['active swap', { swaps: ['/dev/sdz1'] }, 'CHUNKING_TARGET_IN_USE'],
    ['LVM on a partition', { holders: { sdz1: ['dm-7'] } }, 'CHUNKING_TARGET_IN_USE'],
  ])('refuses %s', async (_what, o, code) => {
    await expect(preflightSource('/dev/sdz', system({ diskBytes: 1 << 20, ...o }))).rejects.toMatchObject({ code });
  });

  it('refuses what is neither a file nor a disk, and a missing source', async () => {
    await expect(preflightSource(t.dir)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_UNSUPPORTED_TYPE' });
    await expect(preflightSource(join(t.dir, 'nope'))).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_UNREADABLE' });
  });
});
