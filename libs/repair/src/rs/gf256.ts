// Arithmetic in GF(2^8) with the primitive polynomial x^8+x^4+x^3+x^2+1 (0x11d), the field most
// Reed-Solomon erasure codes use. Everything is table driven: a full 64 KiB product table gives each
// coefficient its own 256-entry row (MUL[c << 8 | x] = c * x), which is what the hot loops index.
// The tables are computed once and never written afterwards (read-only module constants).

function buildTables(): { exp: Uint8Array; log: Uint8Array; mul: Uint8Array; inv: Uint8Array } {
  const exp = new Uint8Array(512);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  // Doubling the exp table lets mul() skip the "mod 255" on log sums.
  for (let i = 255; i < 512; i++) exp[i] = exp[i - 255] as number;
  const mul = new Uint8Array(65536);
  for (let a = 1; a < 256; a++) {
    const la = log[a] as number;
    for (let b = 1; b < 256; b++) mul[(a << 8) | b] = exp[la + (log[b] as number)] as number;
  }
  const inv = new Uint8Array(256);
  for (let a = 1; a < 256; a++) inv[a] = exp[255 - (log[a] as number)] as number;
  return { exp, log, mul, inv };
}

const TABLES = buildTables();

/** Product table: `MUL[(a << 8) | b] === a * b` in GF(2^8). Read only. */
export const GF_MUL: Readonly<Uint8Array> = TABLES.mul;

/** `GF_LOG[a]` = log base 2 of a (a != 0; GF_LOG[0] is meaningless). Read only. */
export const GF_LOG: Readonly<Uint8Array> = TABLES.log;

/** `GF_EXP[e]` = 2^e for 0 <= e < 510 (doubled so a sum of two logs needs no mod). Read only. */
export const GF_EXP: Readonly<Uint8Array> = TABLES.exp;

/** a * b in GF(2^8). */
export function gfMul(a: number, b: number): number {
  return TABLES.mul[((a & 255) << 8) | (b & 255)] as number;
}

/** 1 / a in GF(2^8) (a must not be 0). */
export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(2^8)');
  return TABLES.inv[a] as number;
}

/** a^n in GF(2^8). */
export function gfPow(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return TABLES.exp[((TABLES.log[a] as number) * n) % 255] as number;
}

/**
 * out ^= c * src over the first `len` bytes. The inner loop reads and writes 32-bit words when both
 * buffers are 4-byte aligned: four table look-ups per word but one load and one store, which is
 * what makes the JIT-compiled loop fast; any tail and misaligned buffers go byte by byte.
 */
export function mulAddInto(out: Uint8Array, src: Uint8Array, c: number, len: number): void {
  if (c === 0) return;
  let i = 0;
  const aligned = (out.byteOffset & 3) === 0 && (src.byteOffset & 3) === 0;
  const words = aligned ? len >>> 2 : 0;
  if (words > 0) {
    const o32 = new Uint32Array(out.buffer, out.byteOffset, words);
    const s32 = new Uint32Array(src.buffer, src.byteOffset, words);
    if (c === 1) {
      for (let w = 0; w < words; w++) o32[w] = (o32[w] as number) ^ (s32[w] as number);
    } else {
      const row = TABLES.mul.subarray(c << 8, (c << 8) + 256);
      for (let w = 0; w < words; w++) {
        const s = s32[w] as number;
        o32[w] =
          (o32[w] as number) ^
          ((row[s & 255] as number) |
            ((row[(s >>> 8) & 255] as number) << 8) |
            ((row[(s >>> 16) & 255] as number) << 16) |
            ((row[s >>> 24] as number) << 24));
      }
    }
    i = words << 2;
  }
  const base = c << 8;
  const mul = TABLES.mul;
  for (; i < len; i++) out[i] = (out[i] as number) ^ (mul[base | (src[i] as number)] as number);
}
