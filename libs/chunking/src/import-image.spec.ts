import fc from 'fast-check';
import { mkdirSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importImage } from './import-image';
import { manifestHash } from './manifest-codec';
import { buildImage, referenceManifest, tempDir } from './testing/fixtures';

const seed = Number(process.env['FC_SEED'] ?? 0x1a2b);
const t = tempDir('import');
afterAll(() => t.cleanup());

describe(`importImage (fast-check seed ${seed})`, () => {
  it.each([
    ['0 bytes', []],
    ['1 byte', [{ zero: false, length: 1 }]],
    ['1 zero byte', [{ zero: true, length: 1 }]],
    ['exactly one chunk', [{ zero: false, length: 4096 }]],
    ['data, zeros, short data tail', [{ zero: false, length: 5000 }, { zero: true, length: 3 * 4096 + 100 }, { zero: false, length: 77 }]],
    ['all zeros, not a multiple', [{ zero: true, length: 4096 * 3 + 1 }]],
  ])('%s: matches the reference manifest (in thread and in worker)', async (name, regions) => {
    const image = buildImage(regions, 7);
    const path = join(t.dir, `${name.replace(/\W/g, '_')}.img`);
    writeFileSync(path, image);
    const expected = referenceManifest(image, 4096);
    for (const hashInWorker of [false, true]) {
      const r = await importImage(path, { chunkSize: 4096, workers: hashInWorker ? 1 : 0, readSize: 8192 });
      expect(r.manifest).toEqual(expected);
      expect(r.manifestHash).toBe(manifestHash(expected));
      expect(r.fingerprint.size).toBe(image.length);
    }
  });

  it('matches the reference for random images, chunk sizes and read sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ zero: fc.boolean(), length: fc.integer({ min: 0, max: 20000 }) }), { maxLength: 8 }),
        fc.integer({ min: 8, max: 24 }).map((n) => n * 512),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer(),
        async (regions, chunkSize, readChunks, hashInWorker, s) => {
          const image = buildImage(regions, s);
          const path = join(t.dir, 'prop.img');
          writeFileSync(path, image);
          const r = await importImage(path, { chunkSize, workers: hashInWorker ? 1 : 0, readSize: readChunks * chunkSize });
          expect(r.manifest).toEqual(referenceManifest(image, chunkSize));
        },
      ),
      { seed, numRuns: 40 },
    );
    // 40 imports, half of them starting a hash worker thread: over the default 5 s on a loaded
    // 2-core box (seen failing in a loop beside a busy process), though each run is correct.
  }, 120_000);

  it('reports progress up to the image size', async () => {
    const image = buildImage([{ zero: false, length: 4096 * 10 + 3 }], 1);
    const path = join(t.dir, 'progress.img');
    writeFileSync(path, image);
    const seen: number[] = [];
    await importImage(path, { chunkSize: 4096, readSize: 4096 * 3, onProgress: (done, size) => { expect(size).toBe(image.length); seen.push(done); } });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(image.length);
    expect(seen.length).toBe(4);
  });

  it('records the mtime in the fingerprint', async () => {
    const path = join(t.dir, 'mtime.img');
    writeFileSync(path, buildImage([{ zero: false, length: 9000 }], 3));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const r = await importImage(path, { chunkSize: 4096 });
    expect(r.fingerprint.mtimeMs).toBe(1_700_000_000_000);
    expect(r.fingerprint.samples.map((s) => s.chunk)).toEqual([0, 1, 2]);
    expect(r.fingerprint.samples.map((s) => s.sha256)).toEqual(r.manifest.chunks);
  });

  it('notices an image that shrinks or is modified during the import', async () => {
    const path = join(t.dir, 'moving.img');
    const fresh = (): void => writeFileSync(path, buildImage([{ zero: false, length: 4096 * 8 }], 2));
    fresh();
    // onProgress runs between reads (after the 3rd buffer is read): a deterministic "meanwhile".
    await expect(importImage(path, { chunkSize: 4096, readSize: 4096, onProgress: () => truncateSync(path, 4096) })).rejects.toMatchObject({
      code: 'CHUNKING_IMAGE_CHANGED',
      message: expect.stringContaining('shrank'),
    });
    fresh();
    let touched = false;
    const touch = (): void => {
      if (!touched) utimesSync(path, 1_600_000_000, 1_600_000_000);
      touched = true;
    };
    await expect(importImage(path, { chunkSize: 4096, readSize: 4096, onProgress: touch })).rejects.toMatchObject({
      code: 'CHUNKING_IMAGE_CHANGED',
      message: expect.stringContaining('modified'),
    });
  });

  it('refuses a missing file, a directory and a bad chunk size with typed errors', async () => {
    await expect(importImage(join(t.dir, 'nope.img'))).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_UNREADABLE' });
    mkdirSync(join(t.dir, 'adir'));
    await expect(importImage(join(t.dir, 'adir'))).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_UNREADABLE' });
    await expect(importImage(join(t.dir, 'mtime.img'), { chunkSize: 1000 })).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION' });
  });
});
