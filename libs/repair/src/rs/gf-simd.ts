// GF(2^8) multiply-accumulate in WebAssembly SIMD: the split-nibble technique of ISA-L and
// other fast Reed-Solomon libraries. For a coefficient c, two 16-byte tables hold c * x for the
// low and the high nibble of x; i8x16.swizzle looks up 16 bytes at once, so one 16-byte step is
// load, and, shift, two swizzles, two xors, store. About 9 GB/s per coefficient pass here, seven
// times the 32-bit-word JavaScript loop in gf256.ts, which stays as the fallback.
import { GF_MUL } from './gf256';

// The module, hand-assembled (no toolchain needed at build time):
//   (memory (export "mem") 2)
//   (func (export "mac") (param $dst i32) (param $src i32) (param $len i32) (param $tbl i32)
//     ;; for (i = 0; i < len; i += 16)
//     ;;   dst[i..i+16] ^= swizzle(lo, src & 15) ^ swizzle(hi, src >> 4)   (lo, hi at tbl, tbl+16)
//   )
const BODY = [
  0x02, 0x04, 0x7b, 0x01, 0x7f, // locals: lo, hi, mask, x: v128; i: i32
  0x20, 0x03, 0xfd, 0x00, 0x04, 0x00, 0x21, 0x04, // lo = v128.load(tbl)
  0x20, 0x03, 0xfd, 0x00, 0x04, 0x10, 0x21, 0x05, // hi = v128.load(tbl + 16)
  0x41, 0x0f, 0xfd, 0x0f, 0x21, 0x06, // mask = i8x16.splat(15)
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x08, 0x20, 0x02, 0x4f, 0x0d, 0x01, // br_if (i >= len) out
  0x20, 0x01, 0x20, 0x08, 0x6a, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x07, // x = v128.load(src + i)
  0x20, 0x00, 0x20, 0x08, 0x6a, // store address dst + i
  0x20, 0x00, 0x20, 0x08, 0x6a, 0xfd, 0x00, 0x00, 0x00, // v128.load(dst + i)
  0x20, 0x04, 0x20, 0x07, 0x20, 0x06, 0xfd, 0x4e, 0xfd, 0x0e, // swizzle(lo, x & mask)
  0x20, 0x05, 0x20, 0x07, 0x41, 0x04, 0xfd, 0x6d, 0xfd, 0x0e, // swizzle(hi, x >>> 4)
  0xfd, 0x51, 0xfd, 0x51, // xor, xor
  0xfd, 0x0b, 0x00, 0x00, // v128.store
  0x20, 0x08, 0x41, 0x10, 0x6a, 0x21, 0x08, // i += 16
  0x0c, 0x00, 0x0b, 0x0b, 0x0b, // br loop; end; end; end
];

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function moduleBytes(): Uint8Array {
  const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x02]),
    ...section(7, [0x02, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x6d, 0x61, 0x63, 0x00, 0x00]),
    ...section(10, [0x01, ...leb(BODY.length), ...BODY]),
  ]);
}

// The workspace's TypeScript libs do not declare WebAssembly; these are the few members used.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}

const TABLES_BYTES = 256 * 32;
const PAGE = 65536;
/**
 * Input sets kept in the kernel's memory between calls (mulAccumulate's `pin`): the DP asks for a
 * block's parity symbols one at a time, and each ask copied the block's k source symbols in again
 * (64 x 1400 bytes for one 1400-byte symbol: 3.3% of the DP's samples, issue 29). Eight blocks are
 * the repairs in progress at once, with room to spare; more only costs a copy again.
 */
export const RESIDENT_SLOTS = 8;

interface Exports {
  readonly mem: WasmMemory;
  readonly mac: (dst: number, src: number, len: number, tbl: number) => void;
}

/** A resident input set: whose it is (the caller's key) and the shape it was copied with. */
interface Slot {
  key: object | undefined;
  count: number;
  stride: number;
  lastUse: number;
}

export interface MulAccumulateOptions {
  /**
   * The caller's key for these inputs, which never change while it uses the key (the DP's cached
   * block): the inputs are copied into the kernel's memory on the key's first use and read from
   * there on the next ones (up to RESIDENT_SLOTS keys, least recently used first out).
   * @default undefined (copied in on every call)
   */
  readonly pin?: object;
  /** The outputs hold zeros (fresh buffers): cleared in the kernel's memory, not copied in. @default false */
  readonly zeroOutputs?: boolean;
}

/** One wasm instance with its own memory: the nibble tables, resident inputs, then the vectors being worked on. */
export class GfSimd {
  private view: Uint8Array;
  private readonly slots: Slot[] = Array.from({ length: RESIDENT_SLOTS }, () => ({ key: undefined, count: 0, stride: 0, lastUse: 0 }));
  /** Bytes each slot can hold: the largest input set pinned so far. */
  private slotBytes = 0;
  private uses = 0;
  private copiedIn = 0;

  private constructor(private readonly exports: Exports) {
    this.view = new Uint8Array(exports.mem.buffer);
    for (let c = 0; c < 256; c++) {
      for (let i = 0; i < 16; i++) {
        this.view[c * 32 + i] = GF_MUL[(c << 8) | i] as number;
        this.view[c * 32 + 16 + i] = GF_MUL[(c << 8) | (i << 4)] as number;
      }
    }
  }

  /** A kernel, or undefined where WebAssembly SIMD is not available (use the JS loop then). */
  static create(): GfSimd | undefined {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = moduleBytes();
    if (wasm === undefined || !wasm.validate(bytes)) return undefined;
    const instance = new wasm.Instance(new wasm.Module(bytes));
    return new GfSimd(instance.exports as unknown as Exports);
  }

  /** Input bytes copied into the kernel's memory since it was made (what `pin` saves). */
  get inputBytesCopied(): number {
    return this.copiedIn;
  }

  /**
   * outputs[i] ^= sum_j coeffs[i][j] * inputs[j] over the first `len` bytes (inputs may be
   * shorter: zero-padded). Outputs are updated in place.
   */
  mulAccumulate(inputs: readonly Uint8Array[], coeffs: readonly ArrayLike<number>[], outputs: Uint8Array[], len: number, opts: MulAccumulateOptions = {}): void {
    const stride = (len + 15) & ~15;
    const need = inputs.length * stride;
    if (opts.pin !== undefined && need > this.slotBytes) {
      // Slots sit at multiples of slotBytes: a larger set moves them all, so every one is reloaded.
      this.slotBytes = need;
      for (const s of this.slots) s.key = undefined;
    }
    const workBase = TABLES_BYTES + RESIDENT_SLOTS * this.slotBytes;
    const inBase = opts.pin !== undefined ? this.resident(opts.pin, inputs, len, stride) : workBase;
    const outBase = opts.pin !== undefined ? workBase : workBase + need;
    this.reserve(outBase + outputs.length * stride);
    if (opts.pin === undefined) this.copyIn(inputs, len, stride, inBase);
    const mem = this.view;
    for (let i = 0; i < outputs.length; i++) {
      const at = outBase + i * stride;
      if (opts.zeroOutputs === true) mem.fill(0, at, at + stride);
      else {
        mem.set((outputs[i] as Uint8Array).subarray(0, len), at);
        mem.fill(0, at + len, at + stride);
      }
    }
    const mac = this.exports.mac;
    for (let i = 0; i < outputs.length; i++) {
      const row = coeffs[i] as ArrayLike<number>;
      const dst = outBase + i * stride;
      for (let j = 0; j < inputs.length; j++) {
        const c = row[j] as number;
        if (c !== 0) mac(dst, inBase + j * stride, stride, c * 32);
      }
    }
    for (let i = 0; i < outputs.length; i++) (outputs[i] as Uint8Array).set(mem.subarray(outBase + i * stride, outBase + i * stride + len));
  }

  /** Where the pinned inputs are in memory: their slot, copied in now unless already there. */
  private resident(key: object, inputs: readonly Uint8Array[], len: number, stride: number): number {
    this.uses++;
    let pick = 0;
    for (let i = 0; i < RESIDENT_SLOTS; i++) {
      const s = this.slots[i] as Slot;
      if (s.key === key && s.count === inputs.length && s.stride === stride) {
        s.lastUse = this.uses;
        return TABLES_BYTES + i * this.slotBytes;
      }
      if (s.lastUse < (this.slots[pick] as Slot).lastUse) pick = i;
    }
    const s = this.slots[pick] as Slot;
    const at = TABLES_BYTES + pick * this.slotBytes;
    this.reserve(at + inputs.length * stride);
    this.copyIn(inputs, len, stride, at);
    s.key = key;
    s.count = inputs.length;
    s.stride = stride;
    s.lastUse = this.uses;
    return at;
  }

  /** Each input at its stride, zero-padded to it: only the padding is cleared, not the whole stride. */
  private copyIn(inputs: readonly Uint8Array[], len: number, stride: number, base: number): void {
    const mem = this.view;
    for (let j = 0; j < inputs.length; j++) {
      const v = inputs[j] as Uint8Array;
      const n = Math.min(v.length, len);
      const at = base + j * stride;
      mem.set(n < v.length ? v.subarray(0, n) : v, at);
      mem.fill(0, at + n, at + stride);
      this.copiedIn += n;
    }
  }

  private reserve(end: number): void {
    if (end <= this.exports.mem.buffer.byteLength) return;
    this.exports.mem.grow(Math.ceil((end - this.exports.mem.buffer.byteLength) / PAGE));
    this.view = new Uint8Array(this.exports.mem.buffer);
  }
}
