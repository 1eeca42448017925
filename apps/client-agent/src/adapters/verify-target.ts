// The last check before exit 0: read the image back from the target and compare its SHA-256 with
// the manifest. Every chunk was hashed before it was written, but this also catches a target that
// changed between a kill and the resume, and a disk that does not return what it was given.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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

/**
 * The chunks of the target whose SHA-256 differs from the manifest's, read one by one: asked only
 * once the whole image failed to match, to say which chunks to fetch again.
 */
export async function findDamagedChunks(path: string, manifest: Manifest): Promise<number[]> {
  const bad: number[] = [];
  const buf = Buffer.alloc(manifest.chunkSize);
  let fh;
  try {
    fh = await open(path, 'r');
    for (let c = 0; c * manifest.chunkSize < manifest.size; c++) {
      const at = c * manifest.chunkSize;
      const len = Math.min(manifest.chunkSize, manifest.size - at);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const hash = createHash('sha256').update(buf.subarray(0, got)).digest('hex');
      if (got !== len || hash !== manifest.chunks[c]) bad.push(c);
    }
  } catch (err) {
    throw new AgentError('target-refused', `Cannot read the target ${path} back to find its damaged chunks: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    await fh?.close();
  }
  return bad;
}
