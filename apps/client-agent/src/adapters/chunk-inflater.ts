// Chunks of a compressed image arrive as stored on the DP (a zstd frame, or raw where zstd could
// not shrink them): they are decoded here, just before the writer hashes and writes them, so the
// raw SHA-256 is checked once and a frame that does not decode is refused like a corrupt chunk.
import { allocChunkBuffer, chunkLength, loadZstd, type ChunkZstd } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';

/** Decoded chunk buffers kept for reuse (writes of the unicast fallback run 4 at once). */
const KEEP_BUFFERS = 8;

export interface InflateStats {
  readonly chunks: number;
  /** Wall time spent decoding on the calling thread (it holds the receive loop that long), ms. */
  readonly totalMs: number;
  /** The longest single decode, ms: how long one chunk held the receive loop at most. */
  readonly longestMs: number;
}

export class ChunkInflater {
  private readonly free: Uint8Array[] = [];
  private chunks = 0;
  private totalMs = 0;
  private longestMs = 0;

  private constructor(
    private readonly manifest: Manifest,
    private readonly zstd: ChunkZstd,
    private readonly directIo: boolean,
    private readonly nowMs: () => number,
  ) {}

  /** An inflater for a compressed manifest; undefined for one whose chunks are sent raw. */
  static async forManifest(manifest: Manifest, o: { directIo: boolean; nowMs?: () => number }): Promise<ChunkInflater | undefined> {
    if (manifest.compression === undefined) return undefined;
    return new ChunkInflater(manifest, await loadZstd(), o.directIo, o.nowMs ?? (() => performance.now()));
  }

  /**
   * The raw bytes of `chunk` from its stored bytes, and a release to call once they are written.
   * Throws CHUNKING_CHUNK_DECOMPRESS_FAILED for bytes that are no frame of the chunk's length; the
   * raw hash is the writer's check. Decoded bytes are copied into a page-aligned buffer so that
   * direct I/O takes them (through the page cache a copy costs more than this one).
   */
  inflate(chunk: number, stored: Uint8Array): { readonly raw: Uint8Array; release(): void } {
    const rawLength = chunkLength(chunk, this.manifest.size, this.manifest.chunkSize);
    if (stored.length === rawLength) return { raw: stored, release: () => undefined };
    const t0 = this.nowMs();
    const decoded = this.zstd.inflate(stored, chunk, rawLength);
    const ms = this.nowMs() - t0;
    this.chunks++;
    this.totalMs += ms;
    this.longestMs = Math.max(this.longestMs, ms);
    if (!this.directIo) return { raw: decoded, release: () => undefined };
    const buf = this.free.pop() ?? allocChunkBuffer(this.manifest.chunkSize);
    buf.set(decoded);
    return {
      raw: buf.subarray(0, rawLength),
      release: () => {
        if (this.free.length < KEEP_BUFFERS) this.free.push(buf);
      },
    };
  }

  stats(): InflateStats {
    return { chunks: this.chunks, totalMs: this.totalMs, longestMs: this.longestMs };
  }
}
