import { ReedSolomon } from './reed-solomon';
import { gfInv, gfMul, gfPow, mulAddInto } from './gf256';
import { seededRng } from '../rng';
import { isCastpointError } from '@castpoint/wire';

function randomBytes(rng: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

describe('GF(2^8)', () => {
  it('has the field laws on every element', () => {
    for (let a = 1; a < 256; a++) {
      expect(gfMul(a, gfInv(a))).toBe(1);
      expect(gfMul(a, 1)).toBe(a);
      expect(gfMul(a, 0)).toBe(0);
      expect(gfPow(a, 255)).toBe(1);
    }
    // 2 generates the field: 2^8 = 0x1d under 0x11d.
    expect(gfMul(0x80, 2)).toBe(0x1d);
    expect(() => gfInv(0)).toThrow(RangeError);
  });

  it('mulAddInto agrees with gfMul on aligned, misaligned and odd lengths', () => {
    const rng = seededRng(7);
    for (const [offset, len] of [[0, 64], [1, 63], [0, 7], [3, 1401]] as const) {
      const src = randomBytes(rng, len + 8).subarray(offset, offset + len);
      const out = randomBytes(rng, len + 8).subarray(offset, offset + len);
      const expected = out.map((o, i) => o ^ gfMul(0x53, src[i] as number));
      mulAddInto(out, src, 0x53, len);
      expect(Array.from(out)).toEqual(Array.from(expected));
    }
  });
});

describe('ReedSolomon', () => {
  it('uses the WebAssembly SIMD kernel on this runtime, and both paths agree', () => {
    const rng = seededRng(99);
    const simd = new ReedSolomon(1400);
    const js = new ReedSolomon(1400, { simd: false });
    expect(simd.usesSimd).toBe(true);
    expect(js.usesSimd).toBe(false);
    const sources = Array.from({ length: 64 }, (_, j) => randomBytes(rng, j === 63 ? 77 : 1400));
    const idx = [64, 70, 100, 254];
    expect(simd.encodeParity(sources, idx)).toEqual(js.encodeParity(sources, idx));
  });

  it.each([true, false])('rebuilds bit-exact from random erasure patterns (k up to 64, parity up to 32, and n = 255), simd=%s', (useSimd) => {
    const rng = seededRng(20261123);
    const symbolSize = 37; // odd on purpose: exercises the byte tail of the word loop and the SIMD padding
    const rs = new ReedSolomon(symbolSize, { simd: useSimd });
    const configs = [[1, 1], [2, 3], [10, 4], [64, 4], [64, 8], [64, 16], [64, 32], [100, 60], [200, 55]] as const;
    for (const [k, parityCount] of configs) {
      for (let trial = 0; trial < 12; trial++) {
        const sources = Array.from({ length: k }, () => randomBytes(rng, symbolSize));
        const parityIdx = Array.from({ length: parityCount }, (_, i) => k + i);
        const parity = rs.encodeParity(sources, parityIdx);
        const all = [...sources, ...parity];
        // keep a random k of the n symbols
        const order = all.map((_, i) => i).sort(() => rng() - 0.5);
        const kept = new Map(order.slice(0, k).map((i) => [i, all[i] as Uint8Array]));
        const rebuilt = rs.decode(k, kept);
        expect(rebuilt.length).toBe(k);
        rebuilt.forEach((s, j) => expect(Buffer.from(s).equals(Buffer.from(sources[j] as Uint8Array))).toBe(true));
      }
    }
  });

  it('mints parity one index at a time, identical to a batch, and pads a short last symbol', () => {
    const rs = new ReedSolomon(16);
    const rng = seededRng(3);
    const sources = [randomBytes(rng, 16), randomBytes(rng, 16), randomBytes(rng, 5)];
    const batch = rs.encodeParity(sources, [3, 4, 200]);
    expect(rs.encodeParity(sources, [200])[0]).toEqual(batch[2]);
    const rebuilt = rs.decode(3, new Map([[3, batch[0] as Uint8Array], [4, batch[1] as Uint8Array], [200, batch[2] as Uint8Array]]));
    expect(rebuilt[2]?.subarray(0, 5)).toEqual(sources[2]);
    expect(Array.from(rebuilt[2]?.subarray(5) ?? [])).toEqual(new Array(11).fill(0));
  });

  it('rejects bad input with typed errors', () => {
    const rs = new ReedSolomon(8);
    const s = new Uint8Array(8);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isCastpointError(err) ? err.code : 'untyped';
      }
      return undefined;
    };
    expect(code(() => new ReedSolomon(0))).toBe('REPAIR_BAD_CODE_PARAMS');
    expect(code(() => rs.encodeParity([], [1]))).toBe('REPAIR_BAD_CODE_PARAMS');
    expect(code(() => rs.encodeParity([s, s], [1]))).toBe('REPAIR_BAD_SYMBOL');
    expect(code(() => rs.encodeParity([s, s], [255]))).toBe('REPAIR_BAD_SYMBOL');
    expect(code(() => rs.encodeParity([s, new Uint8Array(9)], [2]))).toBe('REPAIR_BAD_SYMBOL');
    expect(code(() => rs.decode(2, new Map([[0, s]])))).toBe('REPAIR_NOT_ENOUGH_SYMBOLS');
    expect(code(() => rs.decode(2, new Map([[0, s], [5, new Uint8Array(3)]])))).toBe('REPAIR_BAD_SYMBOL');
    expect(code(() => rs.decode(256, new Map()))).toBe('REPAIR_BAD_CODE_PARAMS');
  });
});
