import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockLayout } from './block-layout';
import { loadZstd } from './chunk-compression';
import { ChunkSource } from './chunk-source';
import { importImage } from './import-image';
import { packIndexPath } from './pack-index';
import { StoredChunkIndex, storedLength } from './stored-chunks';
import { buildImage, tempDir } from './testing/fixtures';

const t = tempDir('compressed-send');
afterAll(() => t.cleanup());

// Text (compresses), random (stored raw), zeros (never sent) and a short random tail, 4 KiB chunks.
const text = Buffer.from('castpoint deploys OS images by IP multicast. '.repeat(400));
const image = Buffer.concat([text.subarray(0, 3 * 4096), buildImage([{ zero: false, length: 4096 }, { zero: true, length: 2 * 4096 }, { zero: false, length: 700 }], 9)]);
const path = join(t.dir, 'mixed.img');
writeFileSync(path, image);

async function imported(name: string): Promise<Awaited<ReturnType<typeof importImage>> & { packPath: string }> {
  const packPath = join(t.dir, `${name}.zst`);
  return { ...(await importImage(path, { chunkSize: 4096, compress: { packPath, level: 3 } })), packPath };
}

describe('sending a compressed image', () => {
  it('lays blocks over the stored (frame) sizes: text chunks take fewer blocks than raw', async () => {
    const r = await imported('layout');
    const sizes = r.manifest.compression?.sizes ?? [];
    const compressed = new BlockLayout(r.manifest, { symbolSize: 100, blockSymbols: 8 });
    const raw = new BlockLayout({ ...r.manifest, compression: undefined }, { symbolSize: 100, blockSymbols: 8 });
    expect(compressed.totalBlocks).toBeLessThan(raw.totalBlocks);
    for (let c = 0; c < sizes.length; c++) {
      expect(compressed.sentLength(c)).toBe(sizes[c]);
      expect(storedLength(r.manifest, c)).toBe(sizes[c]);
      const blocks = compressed.chunkBlocks(c);
      if (sizes[c] === 0) expect(blocks).toBeUndefined();
      else expect(blocks?.count).toBe(Math.ceil((sizes[c] ?? 0) / 800));
    }
    // The random chunk is sent raw: its blocks are those of the uncompressed layout.
    expect(compressed.chunkBlocks(3)?.count).toBe(raw.chunkBlocks(3)?.count);
    expect(new StoredChunkIndex({ ...r.manifest, compression: undefined }).range(6)).toEqual({ start: 6 * 4096, length: 700 });
  });

  it('refuses compression sizes that do not fit the image (one per chunk, sent chunks non-empty)', async () => {
    const r = await imported('bad-sizes');
    const c = r.manifest.compression;
    if (!c) throw new Error('no compression');
    expect(() => new BlockLayout({ ...r.manifest, compression: { ...c, sizes: c.sizes.slice(1) } })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID' }));
    expect(() => new BlockLayout({ ...r.manifest, compression: { ...c, sizes: [0, ...c.sizes.slice(1)] } })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID' }));
    expect(() => new StoredChunkIndex({ ...r.manifest, compression: { ...c, sizes: [1] } })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID' }));
  });

  it('reads blocks of the pack: the symbols of a chunk rebuild its frame, which decodes to the raw chunk', async () => {
    const r = await imported('source');
    const zstd = await loadZstd();
    const pack = readFileSync(r.packPath);
    const index = new StoredChunkIndex(r.manifest);
    expect(index.total).toBe(pack.length);
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { symbolSize: 100, blockSymbols: 8, packPath: r.packPath });
    try {
      for (const c of [0, 1, 2, 3, 6]) {
        const blocks = src.layout.chunkBlocks(c);
        if (!blocks) throw new Error(`chunk ${c} has no blocks`);
        const parts: Buffer[] = [];
        for (let b = blocks.first; b < blocks.first + blocks.count; b++) {
          const info = src.layout.blockInfo(b);
          parts.push(Buffer.concat(await src.readBlock(b)).subarray(0, info.length));
        }
        const stored = Buffer.concat(parts);
        const { start, length } = index.range(c);
        expect(stored.equals(pack.subarray(start, start + length))).toBe(true);
        const rawLength = Math.min(4096, image.length - c * 4096);
        expect(zstd.decode(stored, c, rawLength, r.manifest.chunks[c] ?? '').equals(image.subarray(c * 4096, c * 4096 + rawLength))).toBe(true);
      }
    } finally {
      await src.close();
    }
  });

  it('refuses to send without the pack, a pack of the wrong size, and a frame that no longer decodes to the chunk', async () => {
    const r = await imported('tampered');
    await expect(ChunkSource.open(path, r.manifest, r.fingerprint)).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION', data: { field: 'packPath' } });
    const pack = readFileSync(r.packPath);
    writeFileSync(r.packPath, pack.subarray(1));
    await expect(ChunkSource.open(path, r.manifest, r.fingerprint, { packPath: r.packPath })).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
    // Same length, one byte of chunk 1's frame changed: found when the chunk is read for sending.
    const bad = Buffer.from(pack);
    const at = new StoredChunkIndex(r.manifest).range(1).start + 20;
    bad[at] = (bad[at] ?? 0) ^ 0x55;
    writeFileSync(r.packPath, bad);
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { packPath: r.packPath });
    try {
      await expect(src.readChunk(0)).resolves.toHaveLength(r.manifest.compression?.sizes[0] ?? -1);
      await expect(src.readChunk(1)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED', data: { chunk: 1 } });
    } finally {
      await src.close();
    }
  });

  it('checks reads by the pack index (the stored bytes hashed, nothing decoded); a pack without a usable index by decoding; a flipped byte fails both', async () => {
    const r = await imported('indexed');
    const sent = [0, 1, 2, 3, 6]; // not the zero chunks 4 and 5
    const readAll = async (): Promise<ChunkSource> => {
      const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { packPath: r.packPath });
      try {
        for (const c of sent) await expect(src.readChunk(c)).resolves.toHaveLength(r.manifest.compression?.sizes[c] ?? -1);
      } finally {
        await src.close();
      }
      return src;
    };
    expect((await readAll()).readCheck).toBe('stored-sha256');

    // One byte of chunk 1's frame flipped on disk: refused, the other chunks still read.
    const pack = readFileSync(r.packPath);
    const bad = Buffer.from(pack);
    const { start, length } = new StoredChunkIndex(r.manifest).range(1);
    const at = start + 20;
    bad[at] = (bad[at] ?? 0) ^ 0x55;
    writeFileSync(r.packPath, bad);
    const flipped = async (): Promise<string> => {
      const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { packPath: r.packPath });
      try {
        await expect(src.readChunk(0)).resolves.toBeDefined();
        await expect(src.readChunk(1)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED', data: { chunk: 1 } });
        return src.readCheck;
      } finally {
        await src.close();
      }
    };
    expect(await flipped()).toBe('stored-sha256');

    // The index decides, not a decoder: an index listing the flipped frame's hash lets it through
    // (only the agent's raw-hash check would then catch it), which a decoding check never would.
    const idx = packIndexPath(r.packPath);
    const good = readFileSync(idx);
    const forged = Buffer.from(good);
    createHash('sha256').update(bad.subarray(start, start + length)).digest().copy(forged, 44 + 32);
    writeFileSync(idx, forged);
    await expect(readAll()).resolves.toBeDefined();

    // Without an index, or with one of another manifest: every frame decoded; the flip is still found.
    rmSync(idx);
    expect(await flipped()).toBe('decode');
    const other = Buffer.from(good);
    other[8] = (other[8] ?? 0) ^ 1;
    writeFileSync(idx, other);
    expect(await flipped()).toBe('decode');
    writeFileSync(r.packPath, pack);
    writeFileSync(idx, good);
    expect((await readAll()).readCheck).toBe('stored-sha256');
  });

  it('inflate gives the raw bytes without hashing; decode checks the hash', async () => {
    const zstd = await loadZstd();
    const raw = text.subarray(0, 4096);
    const frame = zstd.compress(raw, 3);
    expect(zstd.inflate(frame, 0, 4096).equals(raw)).toBe(true);
    expect(zstd.inflate(raw, 0, 4096).equals(raw)).toBe(true);
    expect(() => zstd.inflate(frame, 0, 4000)).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED' }));
  });
});
