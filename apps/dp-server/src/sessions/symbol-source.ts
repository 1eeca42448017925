// Symbols for the sender: source symbols read through chunking's ChunkSource, parity computed with
// repair's Reed-Solomon encoder and cached per block (repairs of one block ask for a run of parity
// symbols, often from several receivers). Sync on a cache hit, so the send loop rarely awaits.
import type { ChunkSource } from '@castpoint/chunking';
import { ReedSolomon } from '@castpoint/repair';

/** Buffer's copy on any Uint8Array: a native copy with no view made. */
const copyBytes = Buffer.prototype.copy;

interface BlockEntry {
  /** The block's own copy of its k source symbols, symbol s at s x symbolSize; reused once dropped. */
  readonly slab: Uint8Array;
  readonly k: number;
  /**
   * Views of the k symbols, made for the first parity symbol asked (few blocks need one). Made
   * per block at load, the 64 views of every block lived as long as the block stayed cached (about
   * a second): the collector promoted ~12 MB of them per 200 MiB sent, which ran a full collection
   * every second or so (issue 29). get() makes a view per source symbol sent instead: it dies young.
   */
  sources: Uint8Array[] | undefined;
  parity: Map<number, Uint8Array> | undefined;
  /** When get() last served it: the least recently used block goes first. */
  lastUse: number;
}

export class SymbolSource {
  private readonly rs: ReedSolomon;
  /**
   * An LRU by use stamps: get() only stamps the entry. Refreshing the Map's order instead (a delete
   * and a set for every datagram) was 2.8% of the DP's samples (issue 29); the oldest is found by
   * a scan when a loaded block overflows the cache, once per block, not once per datagram.
   */
  private readonly blocks = new Map<number, BlockEntry>();
  private uses = 0;
  private readonly loading = new Map<number, Promise<void>>();
  /**
   * Dropped blocks' slabs, for the next loads: with a fresh buffer per block (or views of a fresh
   * buffer per chunk) the DP allocated the whole image outside V8's heap once per session, and
   * that ran a full collection about once a second (issue 29).
   */
  private readonly spare: Uint8Array[] = [];
  private readonly slabBytes: number;
  private readonly symbolSize: number;
  /** Slabs allocated: about `cacheBlocks` per session, whatever the image's size. */
  slabsAllocated = 0;
  parityComputed = 0;

  /**
   * @param cacheBlocks blocks whose source symbols (views into cached chunks) and parity stay in memory. @default 512
   */
  constructor(
    private readonly source: ChunkSource,
    private readonly cacheBlocks = 512,
  ) {
    this.rs = new ReedSolomon(source.layout.symbolSize);
    this.symbolSize = source.layout.symbolSize;
    this.slabBytes = source.layout.blockSymbols * this.symbolSize;
  }

  /** Source bytes copied into the parity kernel's memory: about one block per repaired block. */
  get parityInputBytesCopied(): number {
    return this.rs.inputBytesCopied;
  }

  get layout(): ChunkSource['layout'] {
    return this.source.layout;
  }

  /** The symbol's bytes if its block is in memory, else undefined (then `load(block)` and ask again). */
  get(block: number, symbol: number): Uint8Array | undefined {
    const e = this.use(block);
    if (!e) return undefined;
    const size = this.symbolSize;
    return symbol < e.k ? e.slab.subarray(symbol * size, (symbol + 1) * size) : this.parityOf(e, symbol);
  }

  /**
   * Copies the symbol into dest[at, at + symbolSize): the send path's way, with no view made per
   * symbol (28 MB of the DP's garbage per 200 MiB sent, issue 29). False when its block is not in
   * memory (then `load(block)`).
   */
  copyInto(block: number, symbol: number, dest: Uint8Array, at: number): boolean {
    const e = this.use(block);
    if (!e) return false;
    const size = this.symbolSize;
    if (symbol < e.k) {
      copyBytes.call(e.slab, dest, at, symbol * size, (symbol + 1) * size);
      return true;
    }
    const parity = this.parityOf(e, symbol);
    if (!parity) return false;
    dest.set(parity, at);
    return true;
  }

  /**
   * Whether `block` is in memory, marking it used: the newest blocks are never dropped by a load
   * (evictOldest), so a symbol checked here can still be copied when the pacer lets it go.
   */
  ready(block: number): boolean {
    return this.use(block) !== undefined;
  }

  private use(block: number): BlockEntry | undefined {
    const e = this.blocks.get(block);
    if (e) e.lastUse = ++this.uses;
    return e;
  }

  private parityOf(e: BlockEntry, symbol: number): Uint8Array | undefined {
    const cached = e.parity?.get(symbol);
    if (cached) return cached;
    const size = this.symbolSize;
    e.sources ??= Array.from({ length: e.k }, (_, s) => e.slab.subarray(s * size, (s + 1) * size));
    // Pinned by the block's entry (its sources never change): the block's next parity symbols are
    // computed from the copy already in the SIMD kernel's memory, not copied in again each time.
    const computed = this.rs.encodeParity(e.sources, [symbol], { pin: e })[0];
    if (!computed) return undefined;
    (e.parity ??= new Map()).set(symbol, computed);
    this.parityComputed++;
    return computed;
  }

  load(block: number): Promise<void> {
    let p = this.loading.get(block);
    if (!p) {
      const slab = this.spare.pop() ?? this.newSlab();
      p = this.source
        .readBlockInto(block, slab)
        .then(
          (k) => {
            this.blocks.set(block, { slab, k, sources: undefined, parity: undefined, lastUse: ++this.uses });
            if (this.blocks.size > this.cacheBlocks) this.evictOldest();
          },
          (err: unknown) => {
            this.spare.push(slab);
            throw err;
          },
        )
        .finally(() => this.loading.delete(block));
      this.loading.set(block, p);
    }
    return p;
  }

  /**
   * Drops the least recently used blocks down to 7/8 of the cache: one scan and sort per eighth of
   * the cache loaded, not a scan per block (a full scan per load was 0.8% of the DP's samples).
   */
  private evictOldest(): void {
    const keep = Math.max(1, this.cacheBlocks - Math.floor(this.cacheBlocks / 8));
    const stamps: number[] = [];
    for (const e of this.blocks.values()) stamps.push(e.lastUse);
    stamps.sort((a, b) => a - b);
    // Stamps are unique (a counter): everything below the first kept stamp goes. A dropped
    // block's slab is read into again by a later load, so no view of it may outlive this turn
    // unless its block is among the newest: the send loop holds at most one pick between turns
    // (runPaced's held packet), whose block ready() just stamped, and frames are copies.
    const firstKept = stamps[stamps.length - keep] as number;
    for (const [block, e] of this.blocks) {
      if (e.lastUse >= firstKept) continue;
      this.blocks.delete(block);
      this.spare.push(e.slab);
    }
  }

  private newSlab(): Uint8Array {
    this.slabsAllocated++;
    return new Uint8Array(this.slabBytes);
  }

  /** Whether `block` is in memory (get() would answer without a load). */
  has(block: number): boolean {
    return this.blocks.has(block);
  }

  close(): Promise<void> {
    this.blocks.clear();
    this.spare.length = 0;
    return this.source.close();
  }
}
