// The inverse of a Cauchy matrix over GF(2^8) in closed form. The decoder's matrix is
//   M[b][a] = 1 / (x_b + y_a)     (x_b: the parity symbols used, y_a: the missing source symbols)
// and a Cauchy matrix has a known inverse (Schechter 1959; the form used by Cauchy Reed-Solomon
// codes). In characteristic 2, where minus is plus (XOR):
//   inv[a][b] = X(y_a) * Y(x_b) / ( X'(x_b) * Y'(y_a) * (x_b + y_a) )
// with X(t) = prod_k (t + x_k), Y(t) = prod_k (t + y_k), X'(x_b) = prod_{k != b} (x_b + x_k) and
// Y'(y_a) = prod_{k != a} (y_a + y_k). That is 4m products of m terms and one product per entry:
// O(m^2) table look-ups, where Gauss-Jordan elimination took ~2m^3 (at 20-30 missing symbols it
// was a tenth of a lossy agent's CPU, the one part of the decoder outside the wasm kernel).
// No factor is ever 0: the x are distinct, the y are distinct, and every x (>= k) differs from
// every y (< k), which is also why the matrix is always invertible.
import { RepairError } from '../errors';
import { GF_EXP, GF_LOG } from './gf256';

/**
 * The inverse of M[b][a] = 1 / (xs[b] ^ ys[a]) as rows: inv[a][b], so that for M * S = R,
 * S[a] = sum_b inv[a][b] * R[b]. `xs` and `ys` hold m distinct field elements each, none shared.
 */
export function cauchyInverse(xs: readonly number[], ys: readonly number[]): number[][] {
  const m = xs.length;
  if (ys.length !== m) throw new RepairError('REPAIR_BAD_CODE_PARAMS', `a Cauchy matrix is square: ${m} rows, ${ys.length} columns`, { parity: m });
  // Every product is kept as a logarithm (sums mod 255): the one multiplication left per entry is
  // then an exp-table look-up.
  const logYnum = new Array<number>(m); // log X(y_a) - log Y'(y_a)
  const logXnum = new Array<number>(m); // log Y(x_b) - log X'(x_b)
  for (let a = 0; a < m; a++) {
    const y = ys[a] as number;
    let s = 0;
    for (let k = 0; k < m; k++) {
      s += logOf(y ^ (xs[k] as number));
      if (k !== a) s -= logOf(y ^ (ys[k] as number));
    }
    logYnum[a] = s;
  }
  for (let b = 0; b < m; b++) {
    const x = xs[b] as number;
    let s = 0;
    for (let k = 0; k < m; k++) {
      s += logOf(x ^ (ys[k] as number));
      if (k !== b) s -= logOf(x ^ (xs[k] as number));
    }
    logXnum[b] = s;
  }
  const inv: number[][] = new Array<number[]>(m);
  for (let a = 0; a < m; a++) {
    const row = new Array<number>(m);
    const ya = logYnum[a] as number;
    const y = ys[a] as number;
    for (let b = 0; b < m; b++) {
      const e = (ya + (logXnum[b] as number) - logOf((xs[b] as number) ^ y)) % 255;
      row[b] = GF_EXP[e < 0 ? e + 255 : e] as number;
    }
    inv[a] = row;
  }
  return inv;
}

/** log of a non-zero element; a zero means two labels were equal, which the decoder never builds. */
function logOf(v: number): number {
  if (v === 0) throw new RepairError('REPAIR_BAD_CODE_PARAMS', 'singular decoding matrix: a symbol index is used twice', {});
  return GF_LOG[v] as number;
}
