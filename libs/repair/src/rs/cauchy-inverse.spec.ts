import { isRepairError } from '../errors';
import { seededRng } from '../rng';
import { cauchyInverse } from './cauchy-inverse';
import { gfInv, gfMul } from './gf256';

/** m distinct values from [lo, hi), in random order. */
function distinct(rng: () => number, m: number, lo: number, hi: number): number[] {
  const pool = Array.from({ length: hi - lo }, (_, i) => lo + i);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, m);
}

/** inv * M over GF(2^8), with M[b][a] = 1 / (xs[b] ^ ys[a]): the identity when inv is M's inverse. */
function product(inv: number[][], xs: number[], ys: number[]): number[][] {
  const m = xs.length;
  return Array.from({ length: m }, (_, a) =>
    Array.from({ length: m }, (_, c) => {
      let s = 0;
      for (let b = 0; b < m; b++) s ^= gfMul(inv[a]?.[b] as number, gfInv((xs[b] as number) ^ (ys[c] as number)));
      return s;
    }),
  );
}

const identity = (m: number): number[][] => Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));

describe('cauchyInverse', () => {
  it('is the inverse of the decoding matrix for 1 to 127 lost symbols, any k, any parity rows (seeded)', () => {
    const rng = seededRng(20261206);
    const cases: [k: number, m: number][] = [[1, 1], [2, 1], [64, 1], [64, 2], [64, 4], [64, 16], [64, 32], [64, 64], [128, 127], [200, 55]];
    for (const [k, m] of cases) {
      for (let trial = 0; trial < 5; trial++) {
        const ys = distinct(rng, m, 0, k); // missing source symbols
        const xs = distinct(rng, m, k, 255); // parity symbols used instead
        expect(product(cauchyInverse(xs, ys), xs, ys)).toEqual(identity(m));
      }
    }
  });

  it('for one lost symbol is 1 / C = r ^ j', () => {
    expect(cauchyInverse([64], [5])).toEqual([[64 ^ 5]]);
  });

  it('refuses a repeated symbol index and a matrix that is not square with REPAIR_BAD_CODE_PARAMS', () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return isRepairError(err, 'REPAIR_BAD_CODE_PARAMS') ? err.code : String(err);
      }
    };
    expect(codeOf(() => cauchyInverse([64, 64], [1, 2]))).toBe('REPAIR_BAD_CODE_PARAMS');
    expect(codeOf(() => cauchyInverse([64, 65], [3, 3]))).toBe('REPAIR_BAD_CODE_PARAMS');
    expect(codeOf(() => cauchyInverse([64, 65], [3]))).toBe('REPAIR_BAD_CODE_PARAMS');
  });
});
