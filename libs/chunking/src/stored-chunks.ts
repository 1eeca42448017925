import type { Manifest } from '@castpoint/wire';
import { chunkCount, chunkLength } from './chunk-math';
import { ChunkingError } from './errors';

/**
 * Bytes chunk `index` takes as stored and sent: its frame size in a compressed manifest (the raw
 * length when zstd could not shrink it, 0 for zero and unused chunks), else its raw length.
 */
export function storedLength(manifest: Pick<Manifest, 'size' | 'chunkSize' | 'compression'>, index: number): number {
  const raw = chunkLength(index, manifest.size, manifest.chunkSize);
  return manifest.compression === undefined ? raw : (manifest.compression.sizes[index] ?? 0);
}

/**
 * Where each stored chunk lies in what the DP serves for an image: the chunk pack (frames back to
 * back, the manifest's sizes as the index) for a compressed manifest, else the image itself. The
 * unicast fallback asks for these byte ranges and the DP's pack reader reads them.
 */
export class StoredChunkIndex {
  /** Bytes of the whole stored form (the pack's size, or the image's). */
  readonly total: number;
  readonly compressed: boolean;
  private readonly count: number;
  /** Start of each chunk's frame, plus a sentinel: only for a compressed manifest. */
  private readonly offsets: Float64Array | undefined;

  constructor(private readonly manifest: Pick<Manifest, 'size' | 'chunkSize' | 'compression'>) {
    this.count = chunkCount(manifest.size, manifest.chunkSize);
    const sizes = manifest.compression?.sizes;
    this.compressed = sizes !== undefined;
    if (sizes === undefined) {
      this.offsets = undefined;
      this.total = manifest.size;
      return;
    }
    if (sizes.length !== this.count) {
      throw new ChunkingError('CHUNKING_MANIFEST_INVALID', `manifest is invalid: compression.sizes lists ${sizes.length} chunks, the image has ${this.count}`, { field: 'compression.sizes' });
    }
    const offsets = new Float64Array(this.count + 1);
    for (let i = 0; i < this.count; i++) offsets[i + 1] = (offsets[i] ?? 0) + (sizes[i] ?? 0);
    this.offsets = offsets;
    this.total = offsets[this.count] ?? 0;
  }

  /** Byte range of chunk `index`'s stored bytes (length 0 for a chunk that is never stored). */
  range(index: number): { readonly start: number; readonly length: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new ChunkingError('CHUNKING_CHUNK_OUT_OF_RANGE', `chunk ${index} does not exist: the image has ${this.count} chunks`, { chunk: index, expected: this.count });
    }
    if (this.offsets === undefined) return { start: index * this.manifest.chunkSize, length: chunkLength(index, this.manifest.size, this.manifest.chunkSize) };
    const start = this.offsets[index] ?? 0;
    return { start, length: (this.offsets[index + 1] ?? 0) - start };
  }
}

/** Whether two manifests store (and so send) their chunks alike: both raw, or the same frame sizes. */
export function sameStoredChunks(a: Pick<Manifest, 'compression'>, b: Pick<Manifest, 'compression'>): boolean {
  const x = a.compression?.sizes;
  const y = b.compression?.sizes;
  if (x === undefined || y === undefined) return x === y;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
