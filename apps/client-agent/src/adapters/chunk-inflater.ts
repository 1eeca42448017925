// Chunks of a compressed image arrive as stored on the DP (a zstd frame, or raw where zstd could
// not shrink them): they are decoded here, just before the writer hashes and writes them, so the
// raw SHA-256 is checked once and a frame that does not decode is refused like a corrupt chunk.
import { ChunkingError, allocChunkBuffer, chunkLength, loadZstd, type ChunkZstd } from '@castpoint/chunking';
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
    /** Absent when the manifest stores every chunk raw: no frame will ever need it. */
    private readonly zstd: ChunkZstd | undefined,
    private readonly directIo: boolean,
    private readonly nowMs: () => number,
  ) {}

  /**
   * An inflater for a compressed manifest; undefined for one whose chunks are sent raw.
   * `loadZstd` is how the decoder is loaded (tests count the loads). @default chunking's loadZstd
   */
  static async forManifest(
    manifest: Manifest,
    o: { directIo: boolean; nowMs?: () => number; loadZstd?: () => Promise<ChunkZstd> },
  ): Promise<ChunkInflater | undefined> {
    if (manifest.compression === undefined) return undefined;
    // A chunk zstd could not shrink is stored and sent raw, so an image of random or encrypted
    // data has no frame at all (the bench's random image): then the decoder, whose WASM every
    // agent would compile at start for nothing, is not loaded (issue 29, session 15).
    const frames = manifest.compression.sizes.some((s, c) => s !== 0 && s !== chunkLength(c, manifest.size, manifest.chunkSize));
    return new ChunkInflater(manifest, frames ? await (o.loadZstd ?? loadZstd)() : undefined, o.directIo, o.nowMs ?? (() => performance.now()));
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
    if (this.zstd === undefined) {
      // Chunks are assembled to the manifest's stored sizes, so only a bug gets here: refused as corrupt.
      throw new ChunkingError('CHUNKING_CHUNK_DECOMPRESS_FAILED', `chunk ${chunk} came as ${stored.length} bytes, but the manifest stores it raw (${rawLength} bytes)`, {
        chunk,
        expected: rawLength,
        actual: stored.length,
      });
    }
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
