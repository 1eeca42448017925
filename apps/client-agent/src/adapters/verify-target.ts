// The last check before exit 0: read the image back from the target and compare its SHA-256 with
// the manifest. Every chunk was hashed before it was written, but this also catches a target that
// changed between a kill and the resume, and a disk that does not return what it was given.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Manifest } from '@castpoint/wire';
import { AgentError } from '../errors';

export async function verifyTargetImage(path: string, manifest: Manifest, onRead?: (bytesRead: number) => void): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  if (manifest.size > 0) {
    try {
      // `end` is inclusive; a disk is larger than the image and only the image's bytes count.
      const stream = createReadStream(path, { start: 0, end: manifest.size - 1, highWaterMark: 4 * 1024 * 1024 });
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        onRead?.(bytes);
      }
    } catch (err) {
      throw new AgentError('target-refused', `Cannot read the target ${path} back to verify it: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
  const actual = hash.digest('hex');
  if (bytes !== manifest.size || actual !== manifest.sha256) {
    throw new AgentError(
      'verification-failed',
      `The image read back from ${path} does not match the manifest (SHA-256 ${actual.slice(0, 16)}… over ${bytes} bytes, expected ${manifest.sha256.slice(0, 16)}… over ${manifest.size})`,
      { expected: manifest.sha256, actual, bytes },
    );
  }
}
