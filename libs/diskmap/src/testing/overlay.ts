// A disk in memory with byte patches laid over it: corruption tests change a few fields of one
// real fixture without copying it, and count what the map reads.
import type { ReadFn } from '../reader';

export interface OverlayDisk {
  readonly read: ReadFn;
  readonly stats: { reads: number; bytes: number };
}

export function overlayDisk(base: Buffer, patches: ReadonlyMap<number, number>, fail?: (offset: number, length: number) => boolean): OverlayDisk {
  const stats = { reads: 0, bytes: 0 };
  const sorted = [...patches.entries()].sort((a, b) => a[0] - b[0]);
  const read: ReadFn = async (offset, length) => {
    stats.reads++;
    stats.bytes += length;
    if (fail?.(offset, length) === true) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const out = Buffer.from(base.subarray(offset, offset + length));
    for (const [at, v] of sorted) if (at >= offset && at < offset + out.length) out[at - offset] = v;
    return out;
  };
  return { read, stats };
}

/** Patch helpers: little-endian writes recorded as byte patches. */
export class Patches extends Map<number, number> {
  bytes(at: number, data: Uint8Array): this {
    data.forEach((b, i) => this.set(at + i, b));
    return this;
  }
  u8(at: number, v: number): this {
    return this.bytes(at, Uint8Array.of(v & 0xff));
  }
  u16(at: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.bytes(at, b);
  }
  u32(at: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.bytes(at, b);
  }
  u64(at: number, v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return this.bytes(at, b);
  }
}
