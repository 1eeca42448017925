// The SIMD kernel's resident inputs (issue 29: the DP's parity symbols copied the block's k
// source symbols into wasm memory once per symbol). Results are checked against the JavaScript
// loop; the copy counter says what pinning saves.
import { ReedSolomon } from './reed-solomon';
import { GfSimd, RESIDENT_SLOTS } from './gf-simd';
import { seededRng } from '../rng';

const SYMBOL = 1400;

function block(seed: number, k: number): Uint8Array[] {
  const rng = seededRng(seed);
  return Array.from({ length: k }, (_, j) => {
    const b = new Uint8Array(j === k - 1 ? 333 : SYMBOL);
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rng() * 256);
    return b;
  });
}

describe('GfSimd resident inputs', () => {
  const js = new ReedSolomon(SYMBOL, { simd: false });

  it('copies a pinned block in once for a run of parity symbols; unpinned, once per call', () => {
    const sources = block(1, 64);
    const blockBytes = sources.reduce((n, s) => n + s.length, 0);
    const pinned = new ReedSolomon(SYMBOL);
    const unpinned = new ReedSolomon(SYMBOL);
    const key = {};
    for (let s = 64; s < 72; s++) {
      const expected = js.encodeParity(sources, [s]);
      expect(pinned.encodeParity(sources, [s], { pin: key })).toEqual(expected);
      expect(unpinned.encodeParity(sources, [s])).toEqual(expected);
    }
    expect(pinned.inputBytesCopied).toBe(blockBytes);
    expect(unpinned.inputBytesCopied).toBe(8 * blockBytes);
  });

  it('keeps the last RESIDENT_SLOTS blocks: one more evicts the least recently used, which is copied again and still right', () => {
    const rs = new ReedSolomon(SYMBOL);
    const blocks = Array.from({ length: RESIDENT_SLOTS + 1 }, (_, b) => ({ key: { b }, sources: block(100 + b, 64) }));
    const blockBytes = blocks[0]?.sources.reduce((n, s) => n + s.length, 0) ?? 0;
    for (const b of blocks.slice(0, RESIDENT_SLOTS)) rs.encodeParity(b.sources, [64], { pin: b.key });
    expect(rs.inputBytesCopied).toBe(RESIDENT_SLOTS * blockBytes);
    // Block 0 used again: now block 1 is the least recently used.
    rs.encodeParity(blocks[0]?.sources ?? [], [65], { pin: blocks[0]?.key ?? {} });
    expect(rs.inputBytesCopied).toBe(RESIDENT_SLOTS * blockBytes);
    const last = blocks[RESIDENT_SLOTS] as (typeof blocks)[number];
    rs.encodeParity(last.sources, [64], { pin: last.key });
    expect(rs.inputBytesCopied).toBe((RESIDENT_SLOTS + 1) * blockBytes);
    // Every block but block 1 is still resident: no copy.
    for (const b of blocks.filter((_, i) => i !== 1)) expect(rs.encodeParity(b.sources, [66], { pin: b.key })).toEqual(js.encodeParity(b.sources, [66]));
    expect(rs.inputBytesCopied).toBe((RESIDENT_SLOTS + 1) * blockBytes);
    // Block 1, evicted by the last block, comes back in, and its parity is right.
    const evicted = blocks[1] as (typeof blocks)[number];
    expect(rs.encodeParity(evicted.sources, [66], { pin: evicted.key })).toEqual(js.encodeParity(evicted.sources, [66]));
    expect(rs.inputBytesCopied).toBe((RESIDENT_SLOTS + 2) * blockBytes);
  });

  it('reloads when a key comes back with a different shape, and when a larger block moves the slots', () => {
    const rs = new ReedSolomon(SYMBOL);
    const key = {};
    const small = block(7, 16);
    const large = block(8, 64);
    expect(rs.encodeParity(small, [20], { pin: key })).toEqual(js.encodeParity(small, [20]));
    // The same key with other inputs (a caller's mistake) is not served stale bytes of another k.
    expect(rs.encodeParity(large, [70], { pin: key })).toEqual(js.encodeParity(large, [70]));
    const other = {};
    expect(rs.encodeParity(small, [21], { pin: other })).toEqual(js.encodeParity(small, [21]));
    expect(rs.encodeParity(block(9, 100), [101], { pin: {} })).toEqual(js.encodeParity(block(9, 100), [101]));
    // The larger set moved every slot: the earlier ones are copied again, and still right.
    expect(rs.encodeParity(small, [22], { pin: other })).toEqual(js.encodeParity(small, [22]));
    expect(rs.encodeParity(large, [71], { pin: key })).toEqual(js.encodeParity(large, [71]));
    // And back to the smaller set under a key whose slot holds the larger one: copied again.
    expect(rs.encodeParity(small, [23], { pin: key })).toEqual(js.encodeParity(small, [23]));
  });

  it('decodes as before next to pinned blocks (the work area lies after the slots)', () => {
    const rs = new ReedSolomon(SYMBOL);
    const sources = block(11, 32).map((s) => {
      const full = new Uint8Array(SYMBOL);
      full.set(s);
      return full;
    });
    const parity = rs.encodeParity(sources, [32, 33, 34], { pin: sources });
    const received = new Map<number, Uint8Array>();
    sources.forEach((s, j) => {
      if (j !== 3 && j !== 17 && j !== 30) received.set(j, s);
    });
    parity.forEach((p, i) => received.set(32 + i, p));
    expect(rs.decode(32, received)).toEqual(sources);
    expect(rs.encodeParity(sources, [35], { pin: sources })).toEqual(js.encodeParity(sources, [35]));
  });

  it('is there on this runtime (else the DP falls back to the JavaScript loop)', () => {
    expect(GfSimd.create()).toBeDefined();
  });
});
