/** A run of bytes, `[start, start + length)`. */
export interface Extent {
  readonly start: number;
  readonly length: number;
}

/**
 * Collects extents, merging one that touches or overlaps the previous one as it is added (bitmap
 * walks add them in order, so the common case never sorts). `finish()` sorts and merges the rest.
 */
export class ExtentBuilder {
  private readonly list: { start: number; end: number }[] = [];
  private sorted = true;

  add(start: number, length: number): void {
    if (length <= 0) return;
    const end = start + length;
    const last = this.list[this.list.length - 1];
    if (last !== undefined && start >= last.start && start <= last.end) {
      if (end > last.end) last.end = end;
      return;
    }
    if (last !== undefined && start < last.start) this.sorted = false;
    this.list.push({ start, end });
  }

  addAll(extents: readonly Extent[], base = 0): void {
    for (const e of extents) this.add(base + e.start, e.length);
  }

  finish(): Extent[] {
    if (!this.sorted) this.list.sort((a, b) => a.start - b.start);
    const out: Extent[] = [];
    let cur: { start: number; end: number } | undefined;
    for (const e of this.list) {
      if (cur !== undefined && e.start <= cur.end) {
        if (e.end > cur.end) cur.end = e.end;
        continue;
      }
      if (cur !== undefined) out.push({ start: cur.start, length: cur.end - cur.start });
      cur = { ...e };
    }
    if (cur !== undefined) out.push({ start: cur.start, length: cur.end - cur.start });
    return out;
  }
}

/** Sorted, merged union of extents, clipped to `[0, limit)` when a limit is given. */
export function normalizeExtents(extents: readonly Extent[], limit?: number): Extent[] {
  const b = new ExtentBuilder();
  for (const e of extents) {
    const start = Math.max(0, e.start);
    const end = limit === undefined ? e.start + e.length : Math.min(limit, e.start + e.length);
    b.add(start, end - start);
  }
  return b.finish();
}

export function totalLength(extents: readonly Extent[]): number {
  let n = 0;
  for (const e of extents) n += e.length;
  return n;
}

/**
 * Calls `onRun(first, count)` for each run of set bits among the first `bitCount` bits of `bits`
 * (least significant bit first, as ext4 and NTFS store their bitmaps). Indexes start at `base`.
 * Whole 0x00 / 0xff bytes are skipped a byte at a time.
 */
export function forEachSetRun(bits: Uint8Array, bitCount: number, base: number, onRun: (first: number, count: number) => void): void {
  const n = Math.min(bitCount, bits.length * 8);
  let runStart = -1;
  let i = 0;
  while (i < n) {
    const byte = bits[i >>> 3] ?? 0;
    if ((i & 7) === 0 && i + 8 <= n && (byte === 0 || byte === 0xff)) {
      if (byte === 0xff) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        onRun(base + runStart, i - runStart);
        runStart = -1;
      }
      i += 8;
      continue;
    }
    const set = (byte >>> (i & 7)) & 1;
    if (set === 1 && runStart < 0) runStart = i;
    else if (set === 0 && runStart >= 0) {
      onRun(base + runStart, i - runStart);
      runStart = -1;
    }
    i++;
  }
  if (runStart >= 0) onRun(base + runStart, n - runStart);
}
