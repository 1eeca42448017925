import fc from 'fast-check';
import { BlockLayout } from './block-layout';
import { chunkCount } from './chunk-math';

const seed = Number(process.env['FC_SEED'] ?? 0xb10c);

const layoutArb = fc
  .record({
    chunkSize: fc.integer({ min: 8, max: 64 }).map((n) => n * 512),
    symbolSize: fc.integer({ min: 100, max: 1500 }),
    k: fc.integer({ min: 1, max: 255 }),
    chunks: fc.integer({ min: 0, max: 40 }),
    tail: fc.integer({ min: 0, max: 32767 }),
    zeroMask: fc.array(fc.boolean(), { maxLength: 41 }),
  })
  .map((r) => {
    const size = r.chunks * r.chunkSize + (r.tail % r.chunkSize);
    const n = chunkCount(size, r.chunkSize);
    const zeroChunks = Array.from({ length: n }, (_, i) => i).filter((i) => r.zeroMask[i] === true);
    return { ...r, size, zeroChunks };
  });

describe(`BlockLayout (fast-check seed ${seed})`, () => {
  it('covers every byte of every non-zero chunk exactly once, in order, and no zero chunk', () => {
    fc.assert(
      fc.property(layoutArb, ({ chunkSize, symbolSize, k, size, zeroChunks }) => {
        const layout = new BlockLayout({ size, chunkSize, zeroChunks }, { symbolSize, blockSymbols: k });
        const n = chunkCount(size, chunkSize);
        expect(layout.transmittedChunks).toBe(n - zeroChunks.length);
        // Walk all blocks: they must tile each transmitted chunk contiguously.
        const covered = new Map<number, number>();
        const zeroSet = new Set(zeroChunks);
        let prevChunk = -1;
        for (let b = 0; b < layout.totalBlocks; b++) {
          const info = layout.blockInfo(b);
          // Plain comparisons in the hot loop (thousands of blocks per run); one expect per block.
          const ok =
            !zeroSet.has(info.chunk) &&
            info.chunk >= prevChunk &&
            (info.chunk !== prevChunk || info.offsetInChunk > 0) &&
            info.offsetInChunk === (covered.get(info.chunk) ?? 0) &&
            info.length > 0 &&
            info.length <= k * symbolSize &&
            info.k === Math.ceil(info.length / symbolSize) &&
            layout.blockK(b) === info.k;
          if (!ok) expect({ block: b, info, prevChunk, covered: covered.get(info.chunk) }).toBe('a consistent block');
          covered.set(info.chunk, info.offsetInChunk + info.length);
          prevChunk = info.chunk;
        }
        for (let c = 0; c < n; c++) {
          const len = Math.min(chunkSize, size - c * chunkSize);
          const blocks = layout.chunkBlocks(c);
          if (zeroChunks.includes(c)) {
            expect(blocks).toBeUndefined();
            expect(covered.has(c)).toBe(false);
          } else {
            expect(covered.get(c)).toBe(len);
            if (blocks === undefined) throw new Error(`chunk ${c} has no blocks`);
            expect(blocks.count).toBe(Math.ceil(len / (k * symbolSize)));
            expect(layout.blockInfo(blocks.first)).toMatchObject({ chunk: c, offsetInChunk: 0 });
            expect(layout.blockInfo(blocks.first + blocks.count - 1).chunk).toBe(c);
          }
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('uses the defaults 1400 x 64 and gives the last block of a chunk fewer symbols, the last one short', () => {
    const layout = new BlockLayout({ size: 2 * 1048576, chunkSize: 1048576, zeroChunks: [0] });
    expect(layout.blockBytes).toBe(89600);
    // 1048576 = 11 * 89600 + 62976; 62976 / 1400 = 44.98 -> 45 symbols, the last of 1376 bytes
    expect(layout.totalBlocks).toBe(12);
    expect(layout.chunkBlocks(1)).toEqual({ first: 0, count: 12 });
    expect(layout.blockInfo(11)).toEqual({ chunk: 1, offsetInChunk: 11 * 89600, length: 62976, k: 45 });
    expect(layout.transmittedChunk(0)).toBe(1);
  });

  it('stays compact and fast for a 4 TiB image (4M chunks, every 3rd zero)', () => {
    const n = 4 * 1024 * 1024;
    const zeroChunks: number[] = [];
    for (let i = 1; i < n; i += 3) zeroChunks.push(i);
    const layout = new BlockLayout({ size: n * 1048576, chunkSize: 1048576, zeroChunks });
    expect(layout.transmittedChunks).toBe(n - zeroChunks.length);
    expect(layout.totalBlocks).toBe(layout.transmittedChunks * 12);
    const last = layout.totalBlocks - 1;
    expect(layout.blockInfo(last)).toMatchObject({ chunk: n - 1, k: 45 });
    expect(layout.chunkBlocks(n - 2)).toEqual({ first: last - 11 - 12, count: 12 });
    expect(layout.chunkBlocks(n - 3)).toBeUndefined();
  });

  it('handles an empty image and an all-zero image', () => {
    expect(new BlockLayout({ size: 0, chunkSize: 4096, zeroChunks: [] }).totalBlocks).toBe(0);
    const z = new BlockLayout({ size: 8192, chunkSize: 4096, zeroChunks: [0, 1] });
    expect(z.totalBlocks).toBe(0);
    expect(z.chunkBlocks(1)).toBeUndefined();
  });

  it.each([
    ['block past the end', (l: BlockLayout) => l.blockInfo(l.totalBlocks), 'CHUNKING_CHUNK_OUT_OF_RANGE'],
    ['negative block', (l: BlockLayout) => l.blockK(-1), 'CHUNKING_CHUNK_OUT_OF_RANGE'],
    ['fractional block', (l: BlockLayout) => l.blockInfo(0.5), 'CHUNKING_CHUNK_OUT_OF_RANGE'],
    ['chunk past the end', (l: BlockLayout) => l.chunkBlocks(3), 'CHUNKING_CHUNK_OUT_OF_RANGE'],
    ['transmitted chunk past the end', (l: BlockLayout) => l.transmittedChunk(3), 'CHUNKING_CHUNK_OUT_OF_RANGE'],
  ])('%s is a typed error', (_n, f, code) => {
    const l = new BlockLayout({ size: 3 * 4096, chunkSize: 4096, zeroChunks: [1] });
    expect(() => f(l)).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    [{ symbolSize: 0 }],
    [{ symbolSize: 70000 }],
    [{ blockSymbols: 0 }],
    [{ blockSymbols: 256 }],
  ])('rejects options %p', (opts) => {
    expect(() => new BlockLayout({ size: 1, chunkSize: 4096, zeroChunks: [] }, opts)).toThrow(expect.objectContaining({ code: 'CHUNKING_BAD_OPTION' }));
  });

  it('rejects unsorted zero chunks', () => {
    expect(() => new BlockLayout({ size: 3 * 4096, chunkSize: 4096, zeroChunks: [2, 1] })).toThrow(expect.objectContaining({ code: 'CHUNKING_MANIFEST_INVALID' }));
  });
});
