import { DiskmapError } from './errors';

/**
 * Reads `length` bytes at byte `offset` of the disk. It may return fewer bytes only at the end
 * of the disk. The capture flow passes positional reads of the source device; tests pass a
 * buffer or a fixture file.
 */
export type ReadFn = (offset: number, length: number) => Promise<Uint8Array>;

/** No single structure read is larger than this (a FAT or bitmap is read piecewise). */
export const MAX_READ = 4 * 1024 * 1024;

/**
 * The bytes one map may read: a crafted table (a cyclic EBR chain, a huge group count) cannot
 * make capture read the disk many times over. Legitimate maps read far less: an ext4 bitmap is
 * 1/32768 of its filesystem, a FAT32 table at most 1/128.
 */
export class ReadBudget {
  private spentBytes = 0;
  private reads = 0;
  constructor(readonly bytes: number, readonly maxReads: number) {}

  spend(length: number): void {
    this.spentBytes += length;
    this.reads++;
    if (this.spentBytes > this.bytes || this.reads > this.maxReads) {
      throw new DiskmapError('DISKMAP_READ_BUDGET', `read budget exhausted (${this.spentBytes} bytes in ${this.reads} reads; budget ${this.bytes} bytes, ${this.maxReads} reads)`, {
        spent: this.spentBytes,
        budget: this.bytes,
      });
    }
  }

  get spent(): number {
    return this.spentBytes;
  }
}

/** The default budget for a disk of `size` bytes: 64 MiB plus 1/64 of the disk; 1M reads. */
export function defaultBudget(size: number): ReadBudget {
  return new ReadBudget(64 * 1024 * 1024 + Math.ceil(size / 64), 1_000_000);
}

/**
 * A bounds-checked view of `[base, base + size)` of the disk: every read names an offset inside
 * the window, is at most MAX_READ bytes, is charged to the budget and must come back whole.
 */
export class DiskWindow {
  constructor(
    private readonly readFn: ReadFn,
    readonly base: number,
    readonly size: number,
    private readonly budget: ReadBudget,
  ) {}

  sub(offset: number, size: number): DiskWindow {
    this.check(offset, size);
    return new DiskWindow(this.readFn, this.base + offset, size, this.budget);
  }

  /** True when `[offset, offset + length)` lies inside the window. */
  contains(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.size;
  }

  private check(offset: number, length: number): void {
    if (!this.contains(offset, length)) {
      throw new DiskmapError('DISKMAP_OUT_OF_BOUNDS', `bytes ${offset}+${length} lie outside a window of ${this.size} bytes`, { offset, length, end: this.size });
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    if (length > MAX_READ) {
      throw new DiskmapError('DISKMAP_OUT_OF_BOUNDS', `a read of ${length} bytes exceeds the ${MAX_READ}-byte limit`, { offset, length, end: MAX_READ });
    }
    this.budget.spend(length);
    let got: Uint8Array;
    try {
      got = await this.readFn(this.base + offset, length);
    } catch (err) {
      throw new DiskmapError('DISKMAP_READ_FAILED', `reading ${length} bytes at ${this.base + offset} failed: ${err instanceof Error ? err.message : String(err)}`, { offset: this.base + offset, length }, { cause: err });
    }
    if (got.length < length) {
      throw new DiskmapError('DISKMAP_READ_FAILED', `reading ${length} bytes at ${this.base + offset} returned ${got.length}`, { offset: this.base + offset, length });
    }
    return got.length === length ? got : got.subarray(0, length);
  }
}

/** Little-endian field readers over a byte array, with a safe-integer check for 64-bit fields. */
export function le(bytes: Uint8Array): {
  u8(o: number): number;
  u16(o: number): number;
  u32(o: number): number;
  u64(o: number, field: string): number;
  i8(o: number): number;
} {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u8: (o) => dv.getUint8(o),
    u16: (o) => dv.getUint16(o, true),
    u32: (o) => dv.getUint32(o, true),
    i8: (o) => dv.getInt8(o),
    u64(o, field) {
      const v = dv.getBigUint64(o, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiskmapError('DISKMAP_CORRUPT', `${field}: ${v} is larger than any disk`, { field });
      return Number(v);
    },
  };
}

export function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i] ?? 0);
  return s;
}
