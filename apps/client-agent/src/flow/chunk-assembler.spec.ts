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

  it('copies a block from a buffer of its own into the chunk buffer and gives the block back at once', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const b0 = blockBytes(0);
    const b1 = blockBytes(1);
    expect(a.add(0, b0)).toBeUndefined();
    expect(r.given).toEqual([b0]);
    const whole = a.add(1, b1);
    // The chunk's bytes are a view of the one buffer taken.
    expect(r.taken).toHaveLength(1);
    expect(whole?.data.buffer).toBe(r.taken[0]?.buffer);
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(0, 4096)))).toBe(0);
    expect(r.given).toEqual([b0, b1]);
    a.release(whole?.data as Uint8Array);
    expect(r.given).toEqual([b0, b1, r.taken[0]]);
  });

  it('gives back a second copy of a block at once, and the buffer of a dropped chunk', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const first = blockBytes(1);
    const again = blockBytes(1);
    a.add(1, first);
    a.add(1, again);
    expect(r.given).toEqual([first, again]);
    a.drop(0);
    expect(r.given).toEqual([first, again, r.taken[0]]);
    expect([...a.heldBlocks()]).toEqual([]);
  });
});

describe('ChunkAssembler: blocks received in place', () => {

  /** What the engine does with a place: writes the block's symbols into it (zero-padded). */
  function receiveInto(place: Uint8Array | undefined, block: number): Uint8Array {
    if (!place) throw new Error(`no place for block ${block}`);
    place.set(blockBytes(block));
    return place;
  }

  it('hands out the chunk from the buffer the blocks were received into: nothing copied, nothing given back early', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const p1 = receiveInto(a.placeFor(1, 2048), 1);
    const p0 = receiveInto(a.placeFor(0, 2048), 0);
    expect(p1.buffer).toBe(r.taken[0]?.buffer);
    expect(p1.byteOffset).toBe(2048);
    expect(a.add(1, p1)).toBeUndefined();
    expect(a.heldBytes()).toBe(2048);
    const whole = a.add(0, p0);
    expect(r.taken).toHaveLength(1);
    expect(r.given).toEqual([]);
    expect(whole?.data.buffer).toBe(r.taken[0]?.buffer);
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(0, 4096)))).toBe(0);
    a.release(whole?.data as Uint8Array);
    expect(r.given).toEqual([r.taken[0]]);
  });

  it("gives the last block room for its padding and trims it from the chunk", () => {
    const a = new ChunkAssembler(layout, sizes);
    // Chunk 2 is 1000 bytes: one block of k = 2 symbols, 1024 bytes as the engine fills it.
    const place = receiveInto(a.placeFor(2, 1024), 2);
    const whole = a.add(2, place);
    expect(whole?.data.length).toBe(1000);
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(8192, 9192)))).toBe(0);
  });

  it('takes whole 64 KiB pages for a chunk of whole pages, room for its last block\'s padding included', () => {
    // 1 MiB chunks of 1400-byte symbols, 64 per block: the last block of each pads 24 bytes past it.
    const big = makeImage(7, 1 << 20, 2, [], 1 << 20);
    const l = sessionLayout({ symbolSize: 1400, blockSymbols: 64 }, big.manifest);
    const r = recorder();
    const a = new ChunkAssembler(l, { chunkLength: () => 1 << 20 }, r);
    const last = l.blockInfo(11);
    expect(last).toMatchObject({ chunk: 0, offsetInChunk: 11 * 89_600, k: 45 });
    expect(a.placeFor(11, 45 * 1400)?.length).toBe(63_000);
    expect(r.taken[0]?.length).toBe((1 << 20) + 65_536);
  });

  it('gives a block its place once, and none that would not fit', () => {
    const a = new ChunkAssembler(layout, sizes);
    expect(a.placeFor(0, 2048)).toBeDefined();
    // The engine asks again only for a block it receives again (a new engine after a DP restart).
    expect(a.placeFor(0, 2048)).toBeUndefined();
    expect(a.placeFor(1, 70_000)).toBeUndefined();
    // A block that arrived in a buffer of its own is copied over its unused place.
    const whole = a.add(0, blockBytes(0));
    expect(whole).toBeUndefined();
    expect(a.add(1, blockBytes(1))?.chunk).toBe(0);
  });

  it('a block received in place and then again in a buffer of its own keeps the first and gives the second back', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    a.add(0, receiveInto(a.placeFor(0, 2048), 0));
    const again = new Uint8Array(2048).fill(9);
    a.add(0, again);
    expect(r.given).toEqual([again]);
    const whole = a.add(1, blockBytes(1));
    expect(Buffer.compare(Buffer.from(whole?.data ?? []), Buffer.from(img.bytes.subarray(0, 4096)))).toBe(0);
  });

  it('never gives a place back to the recycler on its own (a block of a chunk already written elsewhere)', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    const place = receiveInto(a.placeFor(1, 2048), 1);
    a.release(place);
    expect(r.given).toEqual([]);
    expect(place).toEqual(blockBytes(1));
  });

  it('keeps a dropped chunk buffer out of the recycler while the engine may still write into a place in it', () => {
    const r = recorder();
    const a = new ChunkAssembler(layout, sizes, r);
    a.placeFor(0, 2048);
    a.add(1, receiveInto(a.placeFor(1, 2048), 1));
    a.drop(0);
    expect(r.given).toEqual([]);
    expect([...a.heldBlocks()]).toEqual([]);
    // Every place filled and added: nothing can write into it any more.
    const b = new ChunkAssembler(layout, sizes, r);
    b.add(1, receiveInto(b.placeFor(1, 2048), 1));
    b.drop(0);
    expect(r.given).toEqual([r.taken[1]]);
  });
});
