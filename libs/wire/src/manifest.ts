// The manifest names an image's content: sent to agents over HTTP, hashed, stored by the DP.
// libs/chunking builds and verifies it; it lives here because it is a wire format.

export const MANIFEST_VERSION = 1;

export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  /** Image size in bytes (may exceed 2^53? no: JS numbers are exact to 8 PiB, far past any disk). */
  readonly size: number;
  /** Chunk size in bytes (default 1 MiB). The last chunk may be shorter. */
  readonly chunkSize: number;
  /** SHA-256 of the whole image, hex. */
  readonly sha256: string;
  /** SHA-256 of each chunk, hex, in order. A zero chunk's hash is still listed. */
  readonly chunks: readonly string[];
  /** Indexes of chunks that are all zeros: never transmitted; writers leave holes or write zeros. */
  readonly zeroChunks: readonly number[];
  /**
   * Indexes of chunks that no filesystem uses (ascending, disjoint from zeroChunks): never
   * transmitted and never written, so the target keeps its old bytes there, as partclone does. Their
   * hash is listed but describes the DP's copy, not the target. Absent in images without a map.
   */
  readonly unusedChunks?: readonly number[];
  /** Where the used-block map came from, when the image has one. */
  readonly usedMap?: UsedMapInfo;
}

/**
 * `filesystem`: at least one partition was mapped from its filesystem's allocation data;
 * `every-block`: nothing was, and `reasons` says why (no table, unknown or damaged filesystems).
 */
export interface UsedMapInfo {
  readonly source: 'filesystem' | 'every-block';
  readonly reasons: readonly string[];
}

/** A chunk is `data` (sent and written), `zero` (written as zeros, never sent) or `unused` (neither). */
export type ChunkKind = 'data' | 'zero' | 'unused';
