import { sessionLayout } from '../adapters/lib-session';
import { makeImage } from '../testing/image';
import { ChunkAssembler, blocksOfChunk } from './chunk-assembler';

// 3 chunks of 4096 bytes (the last 1000), chunk 1 all zeros; blocks of 4 x 512 bytes.
const img = makeImage(5, 4096, 3, [1], 1000);
const layout = sessionLayout({ symbolSize: 512, blockSymbols: 4 }, img.manifest);
const sizes = { chunkLength: (i: number) => Math.min(4096, img.manifest.size - i * 4096) };

function blockBytes(block: number, pad = true): Uint8Array {
  const s = layout.blockInfo(block);
  const start = s.chunk * 4096 + s.offsetInChunk;
  const data = img.bytes.subarray(start, start + s.length);
  if (!pad) return data;
  // The engine hands over k * symbolSize bytes: the last symbol is zero-padded.
  const out = new Uint8Array(Math.ceil(s.length / 512) * 512);
  out.set(data);
  return out;
}

describe('ChunkAssembler', () => {
  it('lays out blocks as the manifest says: zero chunks have none', () => {
    expect(layout.totalBlocks).toBe(3);
    expect(blocksOfChunk(layout, 0)).toEqual([0, 1]);
    expect(blocksOfChunk(layout, 1)).toEqual([]);
    expect(blocksOfChunk(layout, 2)).toEqual([2]);
    expect(layout.blockInfo(2)).toEqual({ chunk: 2, offsetInChunk: 0, length: 1000, k: 2 });
  });

  it('returns a chunk only when all its blocks arrived, in any order, trimming padding', () => {
    const a = new ChunkAssembler(layout, sizes);
    expect(a.add(1, blockBytes(1))).toBeUndefined();
    expect([...a.heldBlocks()]).toEqual([1]);
    expect(a.heldBytes()).toBe(2048);
    const whole = a.add(0, blockBytes(0));
    expect(whole?.chunk).toBe(0);
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(0, 4096)))).toBe(0);
    expect([...a.heldBlocks()]).toEqual([]);
    const last = a.add(2, blockBytes(2));
    expect(last?.data.length).toBe(1000);
  });

  it('keeps the first copy of a duplicate block and forgets a dropped chunk', () => {
    const a = new ChunkAssembler(layout, sizes);
    a.add(0, blockBytes(0));
    a.add(0, new Uint8Array(2048).fill(9));
    a.drop(0);
    expect(a.heldBytes()).toBe(0);
    a.add(0, blockBytes(0));
    expect(a.add(1, blockBytes(1))?.chunk).toBe(0);
  });

  it('refuses a block shorter than its span', () => {
    const a = new ChunkAssembler(layout, sizes);
    expect(() => a.add(2, new Uint8Array(10))).toThrow(/block 2 has 10 bytes, its span needs 1000/);
  });
});

describe('ChunkAssembler with a recycler', () => {
  /** Records every buffer taken and given; taken buffers come full of stale bytes. */
  function recorder() {
    const taken: Uint8Array[] = [];
    const given: Uint8Array[] = [];
    return {
      taken,
      given,
      take(size: number): Uint8Array {
        const b = new Uint8Array(size).fill(0xee);
        taken.push(b);
        return b;
      },
      give(b: Uint8Array): void {
        given.push(b);
      },
    };
  }

  it('fills a recycled chunk buffer completely and gives each block back once copied', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const b0 = blockBytes(0);
    const b1 = blockBytes(1);
    expect(a.add(0, b0)).toBeUndefined();
    expect(r.given).toEqual([]);
    const whole = a.add(1, b1);
    expect(whole?.data).toBe(r.taken[0]);
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(0, 4096)))).toBe(0);
    expect(r.given).toEqual([b0, b1]);
    a.release(whole?.data as Uint8Array);
    expect(r.given).toHaveLength(3);
  });

  it('gives back a second copy of a block at once, and the blocks of a dropped chunk', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const first = blockBytes(1);
    const again = blockBytes(1);
    a.add(1, first);
    a.add(1, again);
    expect(r.given).toEqual([again]);
    a.drop(0);
    expect(r.given).toEqual([again, first]);
    expect([...a.heldBlocks()]).toEqual([]);
  });
});
