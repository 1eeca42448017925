// Symbols for the sender: source symbols read through chunking's ChunkSource, parity computed with
// repair's Reed-Solomon encoder and cached per block (repairs of one block ask for a run of parity
// symbols, often from several receivers). Sync on a cache hit, so the send loop rarely awaits.
import type { ChunkSource } from '@castpoint/chunking';
import { ReedSolomon } from '@castpoint/repair';

interface BlockEntry {
  readonly sources: readonly Uint8Array[];
  readonly parity: Map<number, Uint8Array>;
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
  parityComputed = 0;

  /**
   * @param cacheBlocks blocks whose source symbols (views into cached chunks) and parity stay in memory. @default 512
   */
  constructor(
    private readonly source: ChunkSource,
    private readonly cacheBlocks = 512,
  ) {
    this.rs = new ReedSolomon(source.layout.symbolSize);
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
    const e = this.blocks.get(block);
    if (!e) return undefined;
    e.lastUse = ++this.uses;
    const k = e.sources.length;
    if (symbol < k) return e.sources[symbol];
    const cached = e.parity.get(symbol);
    if (cached) return cached;
    // Pinned by the block's entry (its sources never change): the block's next parity symbols are
    // computed from the copy already in the SIMD kernel's memory, not copied in again each time.
    const computed = this.rs.encodeParity(e.sources, [symbol], { pin: e })[0];
    if (!computed) return undefined;
    e.parity.set(symbol, computed);
    this.parityComputed++;
    return computed;
  }

  load(block: number): Promise<void> {
    let p = this.loading.get(block);
    if (!p) {
      p = this.source
        .readBlock(block)
        .then((sources) => {
          this.blocks.set(block, { sources, parity: new Map(), lastUse: ++this.uses });
          if (this.blocks.size > this.cacheBlocks) this.evictOldest();
        })
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
    // Stamps are unique (a counter): everything below the first kept stamp goes.
    const firstKept = stamps[stamps.length - keep] as number;
    for (const [block, e] of this.blocks) if (e.lastUse < firstKept) this.blocks.delete(block);
  }

  /** Whether `block` is in memory (get() would answer without a load). */
  has(block: number): boolean {
    return this.blocks.has(block);
  }

  close(): Promise<void> {
    this.blocks.clear();
    return this.source.close();
  }
}
