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
}
