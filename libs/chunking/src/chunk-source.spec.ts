import { createHash } from 'node:crypto';
import { closeSync, openSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { ChunkSource } from './chunk-source';
import { makeFingerprint } from './fingerprint';
import { importImage } from './import-image';
import { buildImage, expectSameBytes, seededBytes, sha256, tempDir } from './testing/fixtures';

const t = tempDir('source');
afterAll(() => t.cleanup());

async function setup(name: string): Promise<{ path: string; image: Buffer; r: Awaited<ReturnType<typeof importImage>> }> {
  const image = buildImage([{ zero: false, length: 4096 * 2 + 10 }, { zero: true, length: 4096 * 2 }, { zero: false, length: 1000 }], 5);
  const path = join(t.dir, name);
  writeFileSync(path, image);
  return { path, image, r: await importImage(path, { chunkSize: 4096 }) };
}

const streamToBuffer = async (s: NodeJS.ReadableStream): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts);
};

describe('ChunkSource', () => {
  it('reads chunks, caches them and shares concurrent reads of one chunk', async () => {
    const { path, image, r } = await setup('a.img');
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { cacheChunks: 2 });
    try {
      const [a, b] = [src.readChunk(1), src.readChunk(1)];
      expect(a).toBe(b);
      expect(await a).toEqual(image.subarray(4096, 8192));
      const last = await src.readChunk(src.chunkCount - 1);
      expect(last).toEqual(image.subarray((src.chunkCount - 1) * 4096));
      await src.readChunk(0);
      await src.readChunk(2);
      expect(src.readChunk(1)).not.toBe(a); // evicted: capacity 2
    } finally {
      await src.close();
    }
  });

  it('returns the k source symbols of a block, zero-padding the short last symbol', async () => {
    const { path, image, r } = await setup('b.img');
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { symbolSize: 1000, blockSymbols: 3 });
    try {
      // Chunk 0 (4096 bytes) -> blocks of 3000 and 1096 bytes: the second has 2 symbols, the last 96 bytes.
      expect(src.layout.chunkBlocks(0)).toEqual({ first: 0, count: 2 });
      const b1 = await src.readBlock(1);
      expect(b1.map((s) => s.length)).toEqual([1000, 1000]);
      expect(b1[0]).toEqual(image.subarray(3000, 4000));
      const [, short] = b1;
      expect(short?.subarray(0, 96)).toEqual(image.subarray(4000, 4096));
      expect(short?.subarray(96).every((x) => x === 0)).toBe(true);
      expect(await src.readSymbol(1, 1)).toEqual(b1[1]);
      expect(await src.readSymbol(1, 0)).toEqual(b1[0]);
      expect(await src.readSymbol(0, 2)).toEqual(image.subarray(2000, 3000));
      await expect(src.readSymbol(1, 2)).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' });
      // The whole image (minus zero chunks) reassembles from blocks.
      const rebuilt = Buffer.alloc(image.length);
      for (let b = 0; b < src.layout.totalBlocks; b++) {
        const info = src.layout.blockInfo(b);
        Buffer.concat(await src.readBlock(b)).copy(rebuilt, info.chunk * 4096 + info.offsetInChunk, 0, info.length);
      }
      expectSameBytes(rebuilt, image);
    } finally {
      await src.close();
    }
  });

  it('with reuseBuffers, reads into dropped chunks\' buffers, never into one a block is being copied from', async () => {
    const { path, image, r } = await setup('reuse.img');
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint, { symbolSize: 1000, blockSymbols: 3, cacheChunks: 1, reuseBuffers: true });
    try {
      const expectBlock = (b: number, into: Buffer, k: number): void => {
        const info = src.layout.blockInfo(b);
        const at = info.chunk * 4096 + info.offsetInChunk;
        expect(k).toBe(info.k);
        expect(into.subarray(0, info.length)).toEqual(image.subarray(at, at + info.length));
        expect(into.subarray(info.length, k * 1000).every((x) => x === 0)).toBe(true);
      };
      // Block 0's chunk, cached, is dropped from the cache (capacity 1) by two reads started while
      // the block is being copied from it: the second read must not take its buffer meanwhile.
      await src.readChunk(0);
      const allocated = src.buffersAllocated;
      const into = Buffer.alloc(3000, 0xff);
      const first = src.readBlockInto(0, into);
      const others = [src.readChunk(1), src.readChunk(src.chunkCount - 1)];
      expect(src.buffersAllocated - allocated).toBe(2);
      expectBlock(0, into, await first);
      await Promise.all(others);
      // A pass over every block reuses dropped chunks' buffers: a few allocations, not one per chunk.
      const before = src.buffersAllocated;
      for (let pass = 0; pass < 3; pass++) {
        for (let b = 0; b < src.layout.totalBlocks; b++) {
          const block = Buffer.alloc(3000, 0xff);
          expectBlock(b, block, await src.readBlockInto(b, block));
        }
      }
      expect(src.buffersAllocated - before).toBeLessThanOrEqual(1);
      expect(await src.readSymbol(1, 1)).toEqual(Buffer.concat(await src.readBlock(1)).subarray(1000, 2000));
      await expect(src.readBlockInto(0, Buffer.alloc(2999))).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION' });
    } finally {
      await src.close();
    }
  });

  it('streams byte ranges (inclusive end), concurrently', async () => {
    const { path, image, r } = await setup('c.img');
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint);
    try {
      const [x, y] = await Promise.all([streamToBuffer(src.createReadStream(0, 0)), streamToBuffer(src.createReadStream(4000, image.length - 1))]);
      expect(x).toEqual(image.subarray(0, 1));
      expect(y).toEqual(image.subarray(4000));
      for (const [s, e] of [[-1, 5], [5, 4], [0, image.length]] as const) {
        expect(() => src.createReadStream(s, e)).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' }));
      }
    } finally {
      await src.close();
    }
  });

  it('refuses to open a changed image, and fails a read of a chunk changed during the session', async () => {
    const { path, r } = await setup('d.img');
    const src = await ChunkSource.open(path, r.manifest, r.fingerprint);
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 4096 + 5);
    closeSync(fd);
    await expect(src.readChunk(1)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED', data: { chunk: 1 } });
    await src.close();
    await expect(src.readChunk(0)).rejects.toMatchObject({ code: 'CHUNKING_WRITER_CLOSED' });
    await expect(ChunkSource.open(path, r.manifest, r.fingerprint)).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
  });

  it('reads chunks past 4 GiB of a sparse image', async () => {
    const chunkSize = 1024 * 1024;
    const size = 4 * 1024 * chunkSize + chunkSize + 1234; // 4 GiB + 1 MiB + 1234 bytes
    const path = join(t.dir, 'big.img');
    const tail = seededBytes(size - 4096 * chunkSize, 9);
    const fd = openSync(path, 'w');
    writeSync(fd, tail, 0, tail.length, 4096 * chunkSize);
    closeSync(fd);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const zero = createHash('sha256').update(Buffer.alloc(chunkSize)).digest('hex');
    const chunks = Array.from({ length: 4098 }, () => zero);
    chunks[4096] = sha256(tail.subarray(0, chunkSize));
    chunks[4097] = sha256(tail.subarray(chunkSize));
    const manifest: Manifest = { version: MANIFEST_VERSION, size, chunkSize, sha256: '0'.repeat(64), chunks, zeroChunks: Array.from({ length: 4096 }, (_, i) => i) };
    const src = await ChunkSource.open(path, manifest, makeFingerprint(manifest, 1_700_000_000_000));
    try {
      expectSameBytes(await src.readChunk(4097), tail.subarray(chunkSize));
      expect(src.layout.blockInfo(0).chunk).toBe(4096);
      expect(await streamToBuffer(src.createReadStream(size - 10, size - 1))).toEqual(tail.subarray(tail.length - 10));
    } finally {
      await src.close();
    }
  });
});
