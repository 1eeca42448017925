import fc from 'fast-check';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, assertChunkSize, chunkCount, chunkLength, chunkOffset, chunksOfRange } from './chunk-math';
import { isAllZero } from './zero';

// Seeded: a failure prints this seed and the counterexample; rerun with FC_SEED=<seed> to replay.
const seed = Number(process.env['FC_SEED'] ?? 0x4c4b);
const chunkSizeArb = fc.integer({ min: MIN_CHUNK_SIZE / 512, max: 8192 }).map((n) => n * 512);
// Sizes around the awkward values: 0, 1, multiples of the chunk size +-1, and past 4 GiB and 2^53-ish.
const sizeArb = (cs: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, cs - 1, cs, cs + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 4 * 2 ** 40 + 7),
    fc.integer({ min: 0, max: 64 }).map((m) => m * cs),
    fc.integer({ min: 0, max: 64 }).chain((m) => fc.integer({ min: 1, max: cs - 1 }).map((r) => m * cs + r)),
    fc.integer({ min: 0, max: 2 ** 45 }),
  );

describe(`chunk arithmetic (fast-check seed ${seed})`, () => {
  it('chunks tile [0, size) exactly: contiguous, non-empty, at most chunkSize, last one shorter', () => {
    fc.assert(
      fc.property(chunkSizeArb.chain((cs) => fc.tuple(fc.constant(cs), sizeArb(cs))), ([cs, size]) => {
        const n = chunkCount(size, cs);
        expect(n * cs >= size && (n === 0 || (n - 1) * cs < size)).toBe(true);
        if (size === 0) expect(n).toBe(0);
        // Check the first two and last two chunks (the middle ones are all full by construction).
        for (const i of new Set([0, 1, n - 2, n - 1].filter((i) => i >= 0 && i < n))) {
          const len = chunkLength(i, size, cs);
          expect(len).toBeGreaterThan(0);
          expect(len).toBeLessThanOrEqual(cs);
          expect(chunkOffset(i, cs) + len).toBe(i === n - 1 ? size : chunkOffset(i + 1, cs));
        }
        expect(() => chunkLength(n, size, cs)).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' }));
        expect(() => chunkLength(-1, size, cs)).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' }));
      }),
      { seed, numRuns: 500 },
    );
  });

  it('chunksOfRange covers exactly the chunks a byte range touches', () => {
    fc.assert(
      fc.property(chunkSizeArb, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 24 }), (cs, start, len) => {
        const [first, last] = chunksOfRange(start, start + len, cs);
        if (len === 0) return expect(last - first).toBe(0);
        expect(chunkOffset(first, cs)).toBeLessThanOrEqual(start);
        expect(chunkOffset(first + 1, cs)).toBeGreaterThan(start);
        expect(chunkOffset(last, cs)).toBeGreaterThanOrEqual(start + len);
        expect(chunkOffset(last - 1, cs)).toBeLessThan(start + len);
      }),
      { seed, numRuns: 300 },
    );
  });

  it.each([0, 1, 511, 4095, MAX_CHUNK_SIZE + 512, 4096 + 1, NaN, 1.5e6])('rejects chunk size %p', (cs) => {
    expect(() => assertChunkSize(cs)).toThrow(expect.objectContaining({ code: 'CHUNKING_BAD_OPTION' }));
  });

  it('isAllZero agrees with a byte loop at every alignment and length, with one set bit anywhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 300 }), fc.option(fc.nat(), { nil: undefined }), (off, len, bit) => {
        const backing = Buffer.alloc(off + len);
        const view = backing.subarray(off, off + len);
        if (bit !== undefined && len > 0) view[bit % len] = 1 << bit % 8;
        expect(isAllZero(view)).toBe(view.every((b) => b === 0));
      }),
      { seed, numRuns: 1000 },
    );
  });
});
