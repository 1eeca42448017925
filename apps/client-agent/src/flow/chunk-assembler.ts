// Collects rebuilt FEC blocks until a chunk is whole, then hands the chunk's bytes over for
// verification and writing. Kept across sessions with the same layout (a DP restart that resumes
// the same image), so data already received is not thrown away.
import type { BlockMap } from './ports';

export interface ChunkSizes {
  /** Length of chunk `index` in bytes. */
  chunkLength(index: number): number;
}

export class ChunkAssembler {
  private readonly partial = new Map<number, Map<number, Uint8Array>>();

  constructor(
    private readonly layout: BlockMap,
    private readonly sizes: ChunkSizes,
  ) {}

  /** Adds a rebuilt block; returns the chunk's bytes when this block completed it, else undefined. */
  add(block: number, data: Uint8Array): { chunk: number; data: Uint8Array } | undefined {
    const span = this.layout.span(block);
    if (data.length < span.length) {
      throw new RangeError(`block ${block} has ${data.length} bytes, its span needs ${span.length}`);
    }
    let blocks = this.partial.get(span.chunk);
    if (!blocks) {
      blocks = new Map();
      this.partial.set(span.chunk, blocks);
    }
    // A block rebuilt twice (seed overlap, duplicate repair) is the same data: keep the first.
    if (!blocks.has(block)) blocks.set(block, data.length === span.length ? data : data.subarray(0, span.length));
    const all = this.layout.blocksOf(span.chunk);
    if (blocks.size < all.length) return undefined;
    const out = new Uint8Array(this.sizes.chunkLength(span.chunk));
    for (const b of all) {
      const s = this.layout.span(b);
      const d = blocks.get(b);
      if (!d) return undefined;
      out.set(d, s.offsetInChunk);
    }
    this.partial.delete(span.chunk);
    return { chunk: span.chunk, data: out };
  }

  /** Forgets a chunk's blocks (written by another path, or failed verification and must come again). */
  drop(chunk: number): void {
    this.partial.delete(chunk);
  }

  /** Blocks held for chunks not yet complete. */
  *heldBlocks(): Iterable<number> {
    for (const blocks of this.partial.values()) yield* blocks.keys();
  }

  /** Bytes held in memory for incomplete chunks. */
  heldBytes(): number {
    let n = 0;
    for (const blocks of this.partial.values()) for (const d of blocks.values()) n += d.length;
    return n;
  }
}
