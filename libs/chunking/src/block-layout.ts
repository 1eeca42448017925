import type { Manifest } from '@castpoint/wire';
import { chunkCount } from './chunk-math';
import { ChunkingError } from './errors';
import { untransmittedChunks } from './manifest-codec';

// Typed-array reads below are at indexes bounded by the constructor's loop, assertBlock or the
// binary search; noUncheckedIndexedAccess cannot see that, hence the non-null assertions.
/* eslint-disable @typescript-eslint/no-non-null-assertion */

export interface BlockLayoutOptions {
  /** Bytes per source symbol (one datagram's payload). @default 1400 */
  readonly symbolSize?: number;
  /** Source symbols per FEC block (k). Reed-Solomon over GF(2^8) needs k + parity <= 255. @default 64 */
  readonly blockSymbols?: number;
}

export interface BlockInfo {
  readonly chunk: number;
  readonly offsetInChunk: number;
  /** Bytes of source data in the block (the last symbol may be short). */
  readonly length: number;
  /** Source symbols in this block. */
  readonly k: number;
}

export const DEFAULT_SYMBOL_SIZE = 1400;
export const DEFAULT_BLOCK_SYMBOLS = 64;

/** Upper bound of binary search: the last index i with arr[i] <= value (arr ascending, arr[0] <= value). */
function floorIndex(arr: Float64Array | Uint32Array, value: number, length: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (arr[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The mapping of an image onto FEC blocks that sender and receiver derive identically from the
 * manifest: every non-zero chunk, in order, is cut into blocks of up to k * symbolSize bytes,
 * numbered globally from 0; zero chunks get no blocks. For a compressed manifest the blocks cover
 * each chunk's stored bytes (`compression.sizes`), so offsets and lengths are in stored bytes. Memory is two typed arrays of one entry per
 * transmitted chunk (8 MB per million chunks); every lookup is a binary search.
 */
export class BlockLayout {
  readonly symbolSize: number;
  readonly blockSymbols: number;
  readonly blockBytes: number;
  readonly totalBlocks: number;
  /** Chunks that are sent (not all zeros). */
  readonly transmittedChunks: number;
  readonly size: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  /** Chunk index of the n-th transmitted chunk, ascending. */
  private readonly sentChunk: Uint32Array;
  /** Stored (frame) length of each chunk of a compressed manifest; undefined: chunks are sent raw. */
  private readonly storedSizes: readonly number[] | undefined;
  /** First global block of the n-th transmitted chunk, plus a sentinel equal to totalBlocks. */
  private readonly firstBlock: Float64Array;

  constructor(manifest: Pick<Manifest, 'size' | 'chunkSize' | 'zeroChunks' | 'unusedChunks' | 'compression'>, options: BlockLayoutOptions = {}) {
    const symbolSize = options.symbolSize ?? DEFAULT_SYMBOL_SIZE;
    const k = options.blockSymbols ?? DEFAULT_BLOCK_SYMBOLS;
    if (!Number.isInteger(symbolSize) || symbolSize < 1 || symbolSize > 65000) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `symbol size ${symbolSize} must be an integer from 1 to 65000`, { field: 'symbolSize', actual: symbolSize });
    }
    if (!Number.isInteger(k) || k < 1 || k > 255) {
      throw new ChunkingError('CHUNKING_BAD_OPTION', `block symbols ${k} must be an integer from 1 to 255`, { field: 'blockSymbols', actual: k });
    }
    this.symbolSize = symbolSize;
    this.blockSymbols = k;
    this.blockBytes = symbolSize * k;
    this.size = manifest.size;
    this.chunkSize = manifest.chunkSize;
    this.chunkCount = chunkCount(manifest.size, manifest.chunkSize);
    // A compressed image sends each chunk as stored (its zstd frame, or raw when zstd could not
    // shrink it): the blocks cover those bytes, so fewer blocks go on the wire.
    this.storedSizes = manifest.compression?.sizes;
    if (this.storedSizes !== undefined && this.storedSizes.length !== this.chunkCount) {
      throw new ChunkingError('CHUNKING_MANIFEST_INVALID', `manifest is invalid: compression.sizes lists ${this.storedSizes.length} chunks, the image has ${this.chunkCount}`, { field: 'compression.sizes' });
    }
    // Zero and unused chunks are never sent: they get no blocks.
    const zeros = untransmittedChunks(manifest);
    this.transmittedChunks = this.chunkCount - zeros.length;
    this.sentChunk = new Uint32Array(this.transmittedChunks);
    this.firstBlock = new Float64Array(this.transmittedChunks + 1);
    const fullBlocks = Math.ceil(this.chunkSize / this.blockBytes);
    let z = 0;
    let n = 0;
    let block = 0;
    for (let c = 0; c < this.chunkCount; c++) {
      if (z < zeros.length && zeros[z] === c) {
        z++;
        continue;
      }
      this.sentChunk[n] = c;
      this.firstBlock[n] = block;
      const len = this.sentLength(c);
      if (len < 1) {
        throw new ChunkingError('CHUNKING_MANIFEST_INVALID', `manifest is invalid: chunk ${c} is sent but has a stored size of ${len}`, { field: 'compression.sizes' });
      }
      block += len === this.chunkSize ? fullBlocks : Math.ceil(len / this.blockBytes);
      n++;
    }
    if (n !== this.transmittedChunks) {
      throw new ChunkingError('CHUNKING_MANIFEST_INVALID', 'manifest is invalid: zeroChunks and unusedChunks must be ascending, disjoint chunk indexes', { field: 'zeroChunks' });
    }
    this.firstBlock[n] = block;
    this.totalBlocks = block;
  }

  /** Bytes of `chunk` as sent: its stored frame length for a compressed manifest, else its length. */
  sentLength(chunk: number): number {
    if (this.storedSizes !== undefined) return this.storedSizes[chunk] ?? 0;
    return Math.min(this.chunkSize, this.size - chunk * this.chunkSize);
  }

  private assertBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.totalBlocks) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `block ${block} does not exist: the layout has ${this.totalBlocks} blocks`, {
        index: block,
        expected: this.totalBlocks,
      });
    }
  }

  /** Where block `block` lies: its chunk, offset inside the chunk, length and k. */
  blockInfo(block: number): BlockInfo {
    this.assertBlock(block);
    const n = floorIndex(this.firstBlock, block, this.transmittedChunks);
    const chunk = this.sentChunk[n]!;
    const offsetInChunk = (block - this.firstBlock[n]!) * this.blockBytes;
    const length = Math.min(this.blockBytes, this.sentLength(chunk) - offsetInChunk);
    return { chunk, offsetInChunk, length, k: Math.ceil(length / this.symbolSize) };
  }

  /** Source symbols in `block`: k, fewer for the last block of a chunk. */
  blockK(block: number): number {
    return this.blockInfo(block).k;
  }

  /** The blocks of `chunk`, or undefined for a zero chunk (never sent). */
  chunkBlocks(chunk: number): { first: number; count: number } | undefined {
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= this.chunkCount) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `chunk ${chunk} does not exist: the image has ${this.chunkCount} chunks`, {
        chunk,
        expected: this.chunkCount,
      });
    }
    if (this.transmittedChunks === 0 || chunk < this.sentChunk[0]!) return undefined;
    const n = floorIndex(this.sentChunk, chunk, this.transmittedChunks);
    if (this.sentChunk[n] !== chunk) return undefined;
    const first = this.firstBlock[n]!;
    return { first, count: this.firstBlock[n + 1]! - first };
  }

  /** Chunk index of the n-th transmitted chunk (0 <= n < transmittedChunks). */
  transmittedChunk(n: number): number {
    const c = this.sentChunk[n];
    if (c === undefined || !Number.isInteger(n)) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `transmitted chunk ${n} does not exist: ${this.transmittedChunks} are sent`, { index: n });
    }
    return c;
  }
}
