// Symbols for the sender: source symbols read through chunking's ChunkSource, parity computed with
// repair's Reed-Solomon encoder and cached per block (repairs of one block ask for a run of parity
// symbols, often from several receivers). Sync on a cache hit, so the send loop rarely awaits.
import type { ChunkSource } from '@castpoint/chunking';
import { ReedSolomon } from '@castpoint/repair';

interface BlockEntry {
  readonly sources: readonly Uint8Array[];
  readonly parity: Map<number, Uint8Array>;
}

export class SymbolSource {
  private readonly rs: ReedSolomon;
  /** Insertion-ordered: the oldest entry is dropped first (an LRU refreshed on use). */
  private readonly blocks = new Map<number, BlockEntry>();
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
    this.blocks.delete(block);
    this.blocks.set(block, e);
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
          this.blocks.set(block, { sources, parity: new Map() });
          while (this.blocks.size > this.cacheBlocks) {
            const oldest = this.blocks.keys().next().value;
            if (oldest === undefined) break;
            this.blocks.delete(oldest);
          }
        })
        .finally(() => this.loading.delete(block));
      this.loading.set(block, p);
    }
    return p;
  }

  close(): Promise<void> {
    this.blocks.clear();
    return this.source.close();
  }
}
