import { blockMap } from '../adapters/lib-session';
import { makeImage } from '../testing/image';
import { ChunkAssembler } from './chunk-assembler';

// 3 chunks of 4096 bytes (the last 1000), chunk 1 all zeros; blocks of 4 x 512 bytes.
const img = makeImage(5, 4096, 3, [1], 1000);
const layout = blockMap({ symbolSize: 512, blockSymbols: 4 }, img.manifest);
const sizes = { chunkLength: (i: number) => Math.min(4096, img.manifest.size - i * 4096) };

function blockBytes(block: number, pad = true): Uint8Array {
  const s = layout.span(block);
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
    expect(layout.blocksOf(0)).toEqual([0, 1]);
    expect(layout.blocksOf(1)).toEqual([]);
    expect(layout.blocksOf(2)).toEqual([2]);
    expect(layout.span(2)).toEqual({ chunk: 2, offsetInChunk: 0, length: 1000 });
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
