import { openSync, closeSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { assertImageUnchanged, sampleChunks } from './fingerprint';
import { importImage } from './import-image';
import { buildImage, tempDir } from './testing/fixtures';

const t = tempDir('fingerprint');
afterAll(() => t.cleanup());

async function imported(name: string): Promise<{ path: string; r: Awaited<ReturnType<typeof importImage>> }> {
  const path = join(t.dir, name);
  writeFileSync(path, buildImage([{ zero: false, length: 4096 * 20 + 5 }], 11));
  utimesSync(path, 1_700_000_000, 1_700_000_000);
  return { path, r: await importImage(path, { chunkSize: 4096 }) };
}

describe('sampleChunks', () => {
  it.each([
    [0, []],
    [1, [0]],
    [3, [0, 1, 2]],
    [100, [0, 14, 28, 42, 57, 71, 85, 99]],
  ])('%i chunks -> %p (first and last always)', (n, expected) => {
    expect(sampleChunks(n)).toEqual(expected);
  });
});

describe('assertImageUnchanged', () => {
  it('accepts the untouched file', async () => {
    const { path, r } = await imported('same.img');
    await expect(assertImageUnchanged(path, r.manifest, r.fingerprint)).resolves.toBeUndefined();
  });

  it('refuses a file whose size changed', async () => {
    const { path, r } = await imported('size.img');
    truncateSync(path, r.manifest.size - 1);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    await expect(assertImageUnchanged(path, r.manifest, r.fingerprint)).rejects.toMatchObject({
      code: 'CHUNKING_IMAGE_CHANGED',
      message: expect.stringContaining('size is'),
    });
  });

  it('refuses a file that was touched (mtime differs)', async () => {
    const { path, r } = await imported('touch.img');
    utimesSync(path, 1_700_000_100, 1_700_000_100);
    await expect(assertImageUnchanged(path, r.manifest, r.fingerprint)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
  });

  it('refuses a file edited in a sampled chunk with its mtime put back', async () => {
    const { path, r } = await imported('edit.img');
    const last = r.fingerprint.samples.at(-1)?.chunk ?? -1;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0xff, 0xfe]), 0, 2, last * 4096);
    closeSync(fd);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(statSync(path).mtimeMs).toBe(r.fingerprint.mtimeMs);
    await expect(assertImageUnchanged(path, r.manifest, r.fingerprint)).rejects.toMatchObject({
      code: 'CHUNKING_IMAGE_CHANGED',
      data: { chunk: last },
    });
  });

  it('reports a missing file as unreadable', async () => {
    const { r } = await imported('gone.img');
    await expect(assertImageUnchanged(join(t.dir, 'absent.img'), r.manifest, r.fingerprint)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_UNREADABLE' });
  });
});
