// Systematic Reed-Solomon erasure code over GF(2^8) built on a Cauchy matrix.
//
// Symbols 0..k-1 of a block are the source symbols themselves; parity symbol s (k <= s <= 254) is
//   P_s = sum_j C[s][j] * S_j  with  C[s][j] = 1 / (s XOR j).
// Because the row labels s (>= k) and the column labels j (< k) are disjoint, every square
// submatrix of C is a Cauchy matrix and so invertible: ANY k distinct symbols rebuild the block
// (MDS). The coefficient depends only on (s, j), not on k or on which other parity exists, so the
// sender can mint "fresh" parity symbols one at a time, in any order, for repair.
import { RepairError } from '../errors';
import { cauchyInverse } from './cauchy-inverse';
import { gfInv, mulAddInto } from './gf256';
import { GfSimd } from './gf-simd';

/** Fresh parity buffers hold zeros: the kernel clears its copy instead of copying them in. */
const ZERO_OUTPUTS = { zeroOutputs: true } as const;

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

export interface EncodeParityOptions {
  /**
   * The caller's key for `sources`, which must not change while the key is in use (the DP's cached
   * block): the SIMD kernel then keeps them in its memory, and the next parity symbol asked for
   * under the same key does not copy the k source symbols in again. @default undefined (copied every call)
   */
  readonly pin?: object;
}

/**
 * Encoder/decoder for one symbol size. Stateless apart from its options: one instance can serve
 * every block of every session.
 */
export class ReedSolomon {
  private readonly simd: GfSimd | undefined;
  /**
   * Encode coefficient rows by (parity index, k): a repair asks for the same few rows again and
   * again, and building one (k look-ups and an array) was 2.2% of the DP's samples (issue 29).
   * At most 255 x 255 rows of k bytes; in practice the handful of parity indexes repairs reach.
   */
  private readonly rows = new Map<number, Uint8Array>();

  /**
   * @param symbolSize bytes per symbol
   * @param options.simd use the WebAssembly SIMD kernel where the runtime has it (7x faster than
   *   the JavaScript loop, which is used otherwise). @default true
   */
  constructor(
    readonly symbolSize: number,
    options: { readonly simd?: boolean } = {},
  ) {
    if (!Number.isInteger(symbolSize) || symbolSize < 1) {
      throw new RepairError('REPAIR_BAD_CODE_PARAMS', `symbol size must be a positive integer, got ${symbolSize}`, { symbolSize });
    }
    this.simd = options.simd === false ? undefined : GfSimd.create();
  }

  /** True when the WebAssembly SIMD kernel is in use. */
  get usesSimd(): boolean {
    return this.simd !== undefined;
  }

  /**
   * Parity symbols of one block. `sources` are the k source symbols (a shorter last symbol is
   * treated as zero-padded to symbolSize); `parityIndexes` are symbol indexes k..254 (as in
   * DataMessage.symbol). Returns one new symbolSize-byte buffer per requested index, in order.
   */
  encodeParity(sources: readonly Uint8Array[], parityIndexes: readonly number[], opts: EncodeParityOptions = {}): Uint8Array[] {
    const k = sources.length;
    checkK(k);
    for (let j = 0; j < k; j++) this.checkSymbol(sources[j] as Uint8Array, j, true);
    for (const s of parityIndexes) {
      if (!Number.isInteger(s) || s < k || s >= RS_MAX_SYMBOLS) {
        throw new RepairError('REPAIR_BAD_SYMBOL', `parity index ${s} is outside ${k}..254`, { symbol: s, k });
      }
    }
    const out = parityIndexes.map(() => new Uint8Array(this.symbolSize));
    const coeffs = parityIndexes.map((s) => this.encodeRow(s, k));
    if (this.simd) this.simd.mulAccumulate(sources, coeffs, out, this.symbolSize, opts.pin !== undefined ? { zeroOutputs: true, pin: opts.pin } : ZERO_OUTPUTS);
    else this.mulAccumulate(sources, coeffs, out);
    return out;
  }

  /** Input bytes copied into the SIMD kernel's memory so far (0 without it): what `pin` saves. */
  get inputBytesCopied(): number {
    return this.simd?.inputBytesCopied ?? 0;
  }

  /** C[s][0..k): the coefficients of parity symbol s over k source symbols. */
  private encodeRow(s: number, k: number): Uint8Array {
    const key = (s << 8) | k;
    let row = this.rows.get(key);
    if (!row) {
      row = new Uint8Array(k);
      for (let j = 0; j < k; j++) row[j] = coefficient(s, j);
      this.rows.set(key, row);
    }
    return row;
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
    // residual_r = P_r - sum over known sources of C[r][j] * S_j  =  sum over missing of C[r][j] * S_j
    const known: Uint8Array[] = [];
    const knownIdx: number[] = [];
    sources.forEach((src, j) => {
      if (src !== undefined) {
        known.push(src);
        knownIdx.push(j);
      }
    });
    const residual = rows.map((r) => Uint8Array.from(received.get(r) as Uint8Array));
    this.mulAccumulate(known, rows.map((r) => knownIdx.map((j) => coefficient(r, j))), residual);
    // The decoding matrix C[r][j] = 1 / (r ^ j) is a Cauchy matrix: its inverse has a closed form.
    const inv = cauchyInverse(rows, missing);
    const rebuilt = missing.map(() => new Uint8Array(this.symbolSize));
    this.mulAccumulate(residual, inv, rebuilt);
    missing.forEach((j, a) => (sources[j] = rebuilt[a]));
    return sources as Uint8Array[];
  }

  /** outputs[i] ^= sum_j coeffs[i][j] * inputs[j] (inputs may be short: zero-padded). */
  private mulAccumulate(inputs: readonly Uint8Array[], coeffs: readonly ArrayLike<number>[], outputs: Uint8Array[]): void {
    if (this.simd) {
      this.simd.mulAccumulate(inputs, coeffs, outputs, this.symbolSize);
      return;
    }
    outputs.forEach((out, i) => {
      const row = coeffs[i] as ArrayLike<number>;
      inputs.forEach((src, j) => mulAddInto(out, src, row[j] as number, src.length));
    });
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
