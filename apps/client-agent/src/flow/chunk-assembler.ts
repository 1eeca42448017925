// Collects rebuilt FEC blocks until a chunk is whole, then hands the chunk's bytes over for
// verification and writing. Kept across sessions with the same layout (a DP restart that resumes
// the same image), so data already received is not thrown away.
import type { BlockLayout } from '@castpoint/chunking';
import type { BufferRecycler, ChunkStore } from './ports';

export interface ChunkSizes {
  /** Length of chunk `index` in bytes. */
  chunkLength(index: number): number;
}

export class ChunkAssembler {
  private readonly partial = new Map<number, Map<number, Uint8Array>>();

  /**
   * @param buffers where chunk buffers come from and where block buffers go back once copied
   *   (blocks come from the engine, which takes them from the same recycler). @default none
   */
  constructor(
    private readonly layout: BlockLayout,
    private readonly sizes: ChunkSizes,
    private readonly buffers?: BufferRecycler,
  ) {}

  /** Gives a buffer this assembler handed out (a chunk, once written) or a block nobody needs back. */
  release(buf: Uint8Array): void {
    this.buffers?.give(buf);
  }

  /**
   * Adds a rebuilt block; returns the chunk's bytes when this block completed it, else undefined.
   * The block's buffer is held whole (its tail past the span is padding) and goes back to the
   * recycler once copied into the chunk.
   */
  add(block: number, data: Uint8Array): { chunk: number; data: Uint8Array } | undefined {
    const span = this.layout.blockInfo(block);
    if (data.length < span.length) {
      throw new RangeError(`block ${block} has ${data.length} bytes, its span needs ${span.length}`);
    }
    let blocks = this.partial.get(span.chunk);
    if (!blocks) {
      blocks = new Map();
      this.partial.set(span.chunk, blocks);
    }
    // A block rebuilt twice (seed overlap, duplicate repair) is the same data: keep the first.
    if (blocks.has(block)) {
      if (blocks.get(block) !== data) this.release(data);
    } else blocks.set(block, data);
    // A block was rebuilt, so its chunk has blocks: chunkBlocks is defined.
    const all = this.layout.chunkBlocks(span.chunk) as { first: number; count: number };
    // `blocks` only ever holds blocks of this chunk: its size says whether all are here.
    if (blocks.size < all.count) return undefined;
    const length = this.sizes.chunkLength(span.chunk);
    const out = this.buffers ? this.buffers.take(length) : new Uint8Array(length);
    for (let b = all.first; b < all.first + all.count; b++) {
      const s = this.layout.blockInfo(b);
      const d = blocks.get(b) as Uint8Array;
      out.set(d.length === s.length ? d : d.subarray(0, s.length), s.offsetInChunk);
      this.release(d);
    }
    this.partial.delete(span.chunk);
    return { chunk: span.chunk, data: out };
  }

  /** Forgets a chunk's blocks (written by another path, or failed verification and must come again). */
  drop(chunk: number): void {
    for (const d of this.partial.get(chunk)?.values() ?? []) this.release(d);
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

/** Blocks the engine must not ask for: those of journaled chunks and those held in memory. */
export function* heldBlocks(store: ChunkStore, layout: BlockLayout, assembler: ChunkAssembler): Iterable<number> {
  for (let c = 0; c < store.totalChunks; c++) if (store.isDone(c)) yield* blocksOfChunk(layout, c);
  yield* assembler.heldBlocks();
}

/** The blocks of `chunk`, ascending (none for a zero chunk, which is never sent). */
export function blocksOfChunk(layout: BlockLayout, chunk: number): number[] {
  const r = layout.chunkBlocks(chunk);
  return r ? Array.from({ length: r.count }, (_, i) => r.first + i) : [];
}
