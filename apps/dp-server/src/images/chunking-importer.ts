// The production ImageImporter: libs/chunking builds the manifest (streaming; hashing and zstd in
// worker threads) and checks, before each session, that the file still holds that content.
import { assertImageUnchanged, importImage, makeFingerprint } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import type { ImageImporter, ImportImageOptions, ImportedImage } from './importer';

export function chunkingImporter(): ImageImporter {
  return {
    async importImage(file: string, onProgress?: (bytesDone: number, size: number) => void, options: ImportImageOptions = {}): Promise<ImportedImage> {
      const r = await importImage(file, { ...(onProgress ? { onProgress } : {}), ...(options.usedMap ? { usedMap: options.usedMap } : {}), ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}), ...(options.compress ? { compress: options.compress } : {}) });
      return { manifest: r.manifest, manifestHash: r.manifestHash, mtimeMs: r.fingerprint.mtimeMs };
    },
    async assertUnchanged(file: string, manifest: Manifest, mtimeMs: number): Promise<void> {
      // The fingerprint is derived from the manifest (deterministic sample chunks) and the mtime seen at import.
      await assertImageUnchanged(file, manifest, makeFingerprint(manifest, mtimeMs));
    },
  };
}
