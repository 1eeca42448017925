// Systematic Reed-Solomon erasure code over GF(2^8) built on a Cauchy matrix.
//
// Symbols 0..k-1 of a block are the source symbols themselves; parity symbol s (k <= s <= 254) is
//   P_s = sum_j C[s][j] * S_j  with  C[s][j] = 1 / (s XOR j).
// Because the row labels s (>= k) and the column labels j (< k) are disjoint, every square
// submatrix of C is a Cauchy matrix and so invertible: ANY k distinct symbols rebuild the block
// (MDS). The coefficient depends only on (s, j), not on k or on which other parity exists, so the
// sender can mint "fresh" parity symbols one at a time, in any order, for repair.
import { RepairError } from '../errors';
import { gfInv, gfMul, mulAddInto } from './gf256';

/** Largest symbol index plus one: n = k + parity <= 255 in GF(2^8). */
export const RS_MAX_SYMBOLS = 255;

function coefficient(parityIndex: number, sourceIndex: number): number {
  return gfInv(parityIndex ^ sourceIndex);
}

function checkK(k: number, parity = 0): void {
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(parity) || parity < 0 || k + parity > RS_MAX_SYMBOLS) {
    throw new RepairError('REPAIR_BAD_CODE_PARAMS', `Reed-Solomon needs 1 <= k and k + parity <= 255 (k=${k}, parity=${parity})`, { k, parity });
  }
}

/**
 * Encoder/decoder for one symbol size. Stateless apart from its options: one instance can serve
 * every block of every session.
 */
export class ReedSolomon {
  constructor(readonly symbolSize: number) {
    if (!Number.isInteger(symbolSize) || symbolSize < 1) {
      throw new RepairError('REPAIR_BAD_CODE_PARAMS', `symbol size must be a positive integer, got ${symbolSize}`, { symbolSize });
    }
  }

  /**
   * Parity symbols of one block. `sources` are the k source symbols (a shorter last symbol is
   * treated as zero-padded to symbolSize); `parityIndexes` are symbol indexes k..254 (as in
   * DataMessage.symbol). Returns one new symbolSize-byte buffer per requested index, in order.
   */
  encodeParity(sources: readonly Uint8Array[], parityIndexes: readonly number[]): Uint8Array[] {
    const k = sources.length;
    checkK(k);
    for (let j = 0; j < k; j++) this.checkSymbol(sources[j] as Uint8Array, j, true);
    const out: Uint8Array[] = [];
    for (const s of parityIndexes) {
      if (!Number.isInteger(s) || s < k || s >= RS_MAX_SYMBOLS) {
        throw new RepairError('REPAIR_BAD_SYMBOL', `parity index ${s} is outside ${k}..254`, { symbol: s, k });
      }
      const p = new Uint8Array(this.symbolSize);
      for (let j = 0; j < k; j++) {
        const src = sources[j] as Uint8Array;
        mulAddInto(p, src, coefficient(s, j), src.length);
      }
      out.push(p);
    }
    return out;
  }

  /**
   * Rebuilds the k source symbols of a block from any k distinct received symbols (source or
   * parity, keyed by symbol index). Source symbols that were received are returned as given when
   * they are full length (copied and zero-padded otherwise); missing ones are solved for.
   */
  decode(k: number, received: ReadonlyMap<number, Uint8Array>): Uint8Array[] {
    checkK(k);
    const sources: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(k);
    const missing: number[] = [];
    const parity: number[] = [];
    for (const [s, sym] of received) {
      if (!Number.isInteger(s) || s < 0 || s >= RS_MAX_SYMBOLS) {
        throw new RepairError('REPAIR_BAD_SYMBOL', `symbol index ${s} is outside 0..254`, { symbol: s });
      }
      this.checkSymbol(sym, s, s < k);
      if (s >= k) parity.push(s);
    }
    for (let j = 0; j < k; j++) {
      const sym = received.get(j);
      if (sym === undefined) missing.push(j);
      else sources[j] = sym.length === this.symbolSize ? sym : this.padded(sym);
    }
    if (missing.length === 0) return sources as Uint8Array[];
    if (parity.length < missing.length) {
      throw new RepairError('REPAIR_NOT_ENOUGH_SYMBOLS', `block needs ${k} symbols, has ${k - missing.length + parity.length}`, {
        k,
        have: k - missing.length + parity.length,
      });
    }
    parity.sort((a, b) => a - b);
    const rows = parity.slice(0, missing.length);
    const m = missing.length;
    // residual_r = P_r - sum over known sources of C[r][j] * S_j  =  sum over missing of C[r][j] * S_j
    const residual = rows.map((r) => {
      const acc = new Uint8Array(this.symbolSize);
      acc.set(received.get(r) as Uint8Array);
      for (let j = 0; j < k; j++) {
        const src = sources[j];
        if (src !== undefined) mulAddInto(acc, src, coefficient(r, j), this.symbolSize);
      }
      return acc;
    });
    const inv = invert(rows.map((r) => missing.map((j) => coefficient(r, j))));
    for (let a = 0; a < m; a++) {
      const out = new Uint8Array(this.symbolSize);
      const invRow = inv[a] as number[];
      for (let b = 0; b < m; b++) mulAddInto(out, residual[b] as Uint8Array, invRow[b] as number, this.symbolSize);
      sources[missing[a] as number] = out;
    }
    return sources as Uint8Array[];
  }

  private checkSymbol(sym: Uint8Array, index: number, mayBeShort: boolean): void {
    if (!(sym instanceof Uint8Array) || sym.length > this.symbolSize || (!mayBeShort && sym.length !== this.symbolSize)) {
      throw new RepairError('REPAIR_BAD_SYMBOL', `symbol ${index} must be ${mayBeShort ? 'at most ' : ''}${this.symbolSize} bytes`, {
        symbol: index,
        length: sym instanceof Uint8Array ? sym.length : -1,
        symbolSize: this.symbolSize,
      });
    }
  }

  private padded(sym: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.symbolSize);
    out.set(sym);
    return out;
  }
}

/** Gauss-Jordan inverse of a square matrix over GF(2^8) (small: m <= number of lost symbols). */
function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && (a[pivot] as number[])[col] === 0) pivot++;
    // A Cauchy submatrix is never singular; reaching this means the code itself is broken.
    if (pivot === n) throw new RepairError('REPAIR_BAD_CODE_PARAMS', 'singular decoding matrix', { col });
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const row = a[col] as number[];
    const f = gfInv(row[col] as number);
    for (let j = 0; j < 2 * n; j++) row[j] = gfMul(row[j] as number, f);
    for (let r = 0; r < n; r++) {
      const other = a[r] as number[];
      const g = other[col] as number;
      if (r === col || g === 0) continue;
      for (let j = 0; j < 2 * n; j++) other[j] = (other[j] as number) ^ gfMul(g, row[j] as number);
    }
  }
  return a.map((row) => row.slice(n));
}
