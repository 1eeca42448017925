// What the DP needs from libs/chunking, behind a small interface so the API can be tested with a
// recording importer and the lib can change underneath without touching the routes.
import type { UsedBlockMap } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';

export interface ImportedImage {
  readonly manifest: Manifest;
  /** Hex hash naming the manifest. */
  readonly manifestHash: string;
  /** File mtime at import, ms. */
  readonly mtimeMs: number;
}

/** What an import may add to the file's content: a capture's used-block map (chunk kinds). */
export interface ImportImageOptions {
  /** A capture keeps the chunk size its agent hashed with. @default 1 MiB */
  readonly chunkSize?: number;
  readonly usedMap?: UsedBlockMap;
}

export interface ImageImporter {
  /**
   * Reads FILE once (streaming) and builds its manifest. Rejects with a typed error when unreadable.
   * `onProgress` is called as it goes, with the bytes read and the file's size.
   */
  importImage(file: string, onProgress?: (bytesDone: number, size: number) => void, options?: ImportImageOptions): Promise<ImportedImage>;
  /** Rejects (DP_IMAGE_FILE) when FILE is no longer the content the manifest describes. */
  assertUnchanged(file: string, manifest: Manifest, mtimeMs: number): Promise<void>;
}
