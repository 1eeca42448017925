// Collects rebuilt FEC blocks until a chunk is whole, then hands the chunk's bytes over for
// verification and writing. Kept across sessions with the same layout (a DP restart that resumes
// the same image), so data already received is not thrown away.
//
// Each chunk being received has one buffer from the start, and the engine receives each block
// straight into its span there (placeFor, the engine's placeBlock): the block is then in place when
// it is rebuilt, and the chunk is hashed and written from that buffer. Before, every block was
// copied once more into a chunk buffer when its chunk was whole (200 MiB per image per agent;
// issue 29.3: copy once). A block the engine received elsewhere (no place given) is copied in.
import type { BlockLayout } from '@castpoint/chunking';
import type { BufferRecycler, ChunkStore } from './ports';

export interface ChunkSizes {
  /** Length of chunk `index` in bytes. */
  chunkLength(index: number): number;
}

/**
 * A chunk whose length is whole 64 KiB pages gets its buffer in whole pages too: the pool gives
 * page-aligned memory, which the disk takes by direct I/O, only in those (libs/chunking
 * aligned-memory.ts). Other chunks (an image's last, a compressed one) get what they need.
 */
const PAGE = 64 * 1024;

interface ChunkInProgress {
  /** The buffer: the chunk's bytes, then room for the last block's zero padding. */
  readonly whole: Uint8Array;
  /** Blocks whose bytes are in `whole`. */
  readonly have: Set<number>;
  /** Blocks the engine was given their span of `whole` for (and may still be writing). */
  readonly placed: Set<number>;
  /** Bytes of the blocks in `have`, as the engine delivered them (padded). */
  bytes: number;
}

export class ChunkAssembler {
  private readonly partial = new Map<number, ChunkInProgress>();
  /** Chunks handed out by add(): the view given, and the buffer to recycle once it comes back. */
  private readonly handedOut = new Map<Uint8Array, Uint8Array>();

  /**
   * @param buffers where chunk buffers come from and where they, and block buffers the engine
   *   took from the same recycler, go back once done with. @default none
   */
  constructor(
    private readonly layout: BlockLayout,
    private readonly sizes: ChunkSizes,
    private readonly buffers?: BufferRecycler,
  ) {}

  /** Gives a buffer this assembler handed out (a chunk, once written) or a block nobody needs back. */
  release(buf: Uint8Array): void {
    const whole = this.handedOut.get(buf);
    if (whole) {
      this.handedOut.delete(buf);
      this.buffers?.give(whole);
      return;
    }
    // A span of a chunk buffer (a block received in place) is a view, not a buffer the recycler
    // gave: the chunk's buffer goes back whole, once.
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return;
    this.buffers?.give(buf);
  }

  /**
   * Where the engine receives `block` (`size` bytes): its span in its chunk's buffer, the first
   * time it asks for that block; undefined after that (a block received again, by a new engine
   * after a DP restart, goes to a buffer of its own and is copied in) or when it does not fit.
   */
  placeFor(block: number, size: number): Uint8Array | undefined {
    const span = this.layout.blockInfo(block);
    const c = this.inProgress(span.chunk);
    if (c.placed.has(block) || c.have.has(block) || span.offsetInChunk + size > c.whole.length) return undefined;
    c.placed.add(block);
    return c.whole.subarray(span.offsetInChunk, span.offsetInChunk + size);
  }

  /**
   * Adds a rebuilt block; returns the chunk's bytes when this block completed it, else undefined.
   * A block received in its place costs nothing; another buffer is copied in and goes back to the
   * recycler.
   */
  add(block: number, data: Uint8Array): { chunk: number; data: Uint8Array } | undefined {
    const span = this.layout.blockInfo(block);
    if (data.length < span.length) {
      throw new RangeError(`block ${block} has ${data.length} bytes, its span needs ${span.length}`);
    }
    const c = this.inProgress(span.chunk);
    const inPlace = data.buffer === c.whole.buffer && data.byteOffset === c.whole.byteOffset + span.offsetInChunk;
    // A block rebuilt twice (seed overlap, duplicate repair) is the same data: keep the first.
    if (c.have.has(block)) {
      if (!inPlace) this.release(data);
      return undefined;
    }
    if (!inPlace) {
      c.whole.set(data.length === span.length ? data : data.subarray(0, span.length), span.offsetInChunk);
      this.release(data);
    }
    c.have.add(block);
    c.bytes += data.length;
    // A block was rebuilt, so its chunk has blocks: chunkBlocks is defined.
    const all = this.layout.chunkBlocks(span.chunk) as { first: number; count: number };
    if (c.have.size < all.count) return undefined;
    this.partial.delete(span.chunk);
    const out = c.whole.subarray(0, this.sizes.chunkLength(span.chunk));
    this.handedOut.set(out, c.whole);
    return { chunk: span.chunk, data: out };
  }

  /** Forgets a chunk's blocks (written by another path, or failed verification and must come again). */
  drop(chunk: number): void {
    const c = this.partial.get(chunk);
    if (!c) return;
    this.partial.delete(chunk);
    // A span the engine may still write into keeps the buffer out of the recycler: the collector
    // frees it once the engine lets go.
    for (const b of c.placed) if (!c.have.has(b)) return;
    this.buffers?.give(c.whole);
  }

  /** Blocks held for chunks not yet complete. */
  *heldBlocks(): Iterable<number> {
    for (const c of this.partial.values()) yield* c.have;
  }

  /** Bytes of the blocks held for chunks not yet complete. */
  heldBytes(): number {
    let n = 0;
    for (const c of this.partial.values()) n += c.bytes;
    return n;
  }

  private inProgress(chunk: number): ChunkInProgress {
    let c = this.partial.get(chunk);
    if (!c) {
      const size = this.bufferSize(chunk);
      c = { whole: this.buffers ? this.buffers.take(size) : new Uint8Array(size), have: new Set(), placed: new Set(), bytes: 0 };
      this.partial.set(chunk, c);
    }
    return c;
  }

  /** The chunk, then its last block's padding (less than a symbol). */
  private bufferSize(chunk: number): number {
    const length = this.sizes.chunkLength(chunk);
    const blocks = this.layout.chunkBlocks(chunk);
    const last = blocks ? this.layout.blockInfo(blocks.first + blocks.count - 1) : undefined;
    const end = last ? Math.max(length, last.offsetInChunk + last.k * this.layout.symbolSize) : length;
    return length % PAGE === 0 ? Math.ceil(end / PAGE) * PAGE : end;
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
