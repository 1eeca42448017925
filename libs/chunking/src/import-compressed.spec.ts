import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadZstd } from './chunk-compression';
import { openChunkPack } from './chunk-pack';
import { importImage } from './import-image';
import { manifestHash, untransmittedChunks, validateManifest } from './manifest-codec';
import { buildImage, referenceManifest, tempDir } from './testing/fixtures';

const t = tempDir('import-zstd');
afterAll(() => t.cleanup());

// Compressible text, random bytes, zeros and a short tail: every kind of chunk at 4 KiB.
const text = Buffer.from('castpoint deploys OS images by IP multicast. '.repeat(400));
const image = Buffer.concat([text.subarray(0, 3 * 4096), buildImage([{ zero: false, length: 4096 }, { zero: true, length: 2 * 4096 }, { zero: false, length: 700 }], 9)]);
const path = join(t.dir, 'mixed.img');
writeFileSync(path, image);

describe('importImage with compress', () => {
  it.each([false, true])('writes a pack whose frames decode to every stored chunk, hashes as without it (worker %s)', async (hashInWorker) => {
    const packPath = join(t.dir, `mixed-${hashInWorker}.zst`);
    const progress: number[] = [];
    const r = await importImage(path, { chunkSize: 4096, readSize: 8192, workers: hashInWorker ? 1 : 0, compress: { packPath, level: 3 }, onProgress: (done) => progress.push(done) });
    const plain = referenceManifest(image, 4096);
    // Same content description; only the compression key is added.
    expect({ ...r.manifest, compression: undefined }).toEqual({ ...plain, compression: undefined });
    expect(r.manifest.compression?.codec).toBe('zstd');
    expect(r.manifest.compression?.level).toBe(3);
    expect(r.manifestHash).toBe(manifestHash(r.manifest));
    expect(validateManifest(JSON.parse(JSON.stringify(r.manifest)))).toEqual(r.manifest);
    expect(progress.at(-1)).toBe(image.length);
    const sizes = r.manifest.compression?.sizes ?? [];
    expect(sizes.slice(4, 6)).toEqual([0, 0]); // the zero chunks
    expect(sizes[0]).toBeLessThan(4096 / 4); // text compresses
    expect([sizes[3], sizes[6]]).toEqual([4096, 700]); // random bytes do not: stored raw, never larger
    const at3 = sizes.slice(0, 3).reduce((a, b) => a + b, 0);
    expect(readFileSync(packPath).subarray(at3, at3 + 4096).equals(image.subarray(3 * 4096, 4 * 4096))).toBe(true);
    expect(statSync(packPath).size).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(existsSync(`${packPath}.partial`)).toBe(false);
    expect(existsSync(`${packPath}.idx`)).toBe(true);

    const zstd = await loadZstd();
    const pack = await openChunkPack(packPath, r.manifest);
    try {
      for (let i = 0; i < r.manifest.chunks.length; i++) {
        if (untransmittedChunks(r.manifest).includes(i)) continue;
        const raw = zstd.decode(await pack.readFrame(i), i, Math.min(4096, image.length - i * 4096), r.manifest.chunks[i] ?? '');
        expect(raw.equals(image.subarray(i * 4096, i * 4096 + raw.length))).toBe(true);
      }
    } finally {
      await pack.close();
    }
  });

  it('stores no frame for chunks a used-block map leaves unused', async () => {
    const packPath = join(t.dir, 'mapped.zst');
    // Only the first two chunks are in use: chunk 2 (text) and chunk 3 (random) become unused.
    const r = await importImage(path, { chunkSize: 4096, compress: { packPath }, usedMap: { source: 'filesystem', reasons: [], used: [{ start: 0, length: 8192 }] } });
    expect(r.manifest.unusedChunks).toEqual([2, 3, 4, 5, 6]);
    expect(r.manifest.compression?.sizes.slice(2)).toEqual([0, 0, 0, 0, 0]);
    expect(r.manifest.compression?.level).toBe(3); // the default
    expect(validateManifest(JSON.parse(JSON.stringify(r.manifest)))).toEqual(r.manifest);
  });

  it('refuses a bad level before creating a file, and a pack that does not match its manifest', async () => {
    const packPath = join(t.dir, 'bad-level.zst');
    await expect(importImage(path, { chunkSize: 4096, compress: { packPath, level: 30 } })).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION' });
    expect(existsSync(`${packPath}.partial`)).toBe(false);
    expect(existsSync(`${packPath}.idx`)).toBe(false);
    const good = join(t.dir, 'cut.zst');
    const r = await importImage(path, { chunkSize: 4096, compress: { packPath: good } });
    writeFileSync(good, readFileSync(good).subarray(0, 10));
    await expect(openChunkPack(good, r.manifest)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
  });
});
