// The last check before exit 0: read the image back from the target and compare its SHA-256 with
// the manifest. Every chunk was hashed before it was written, but this also catches a target that
// changed between a kill and the resume, and a disk that does not return what it was given.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Manifest } from '@castpoint/wire';
import { AgentError } from '../errors';

export async function verifyTargetImage(path: string, manifest: Manifest, onRead?: (bytesRead: number) => void): Promise<void> {
  if ((manifest.unusedChunks?.length ?? 0) > 0) return verifyHashedChunks(path, manifest, onRead);
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
export async function findDamagedChunks(path: string, manifest: Manifest, onRead?: (bytesRead: number) => void): Promise<number[]> {
  const bad: number[] = [];
  // Unused chunks keep the target's old bytes: their manifest hash describes the DP's copy.
  const unused = new Set(manifest.unusedChunks ?? []);
  let bytes = 0;
  const buf = Buffer.alloc(manifest.chunkSize);
  let fh;
  try {
    fh = await open(path, 'r');
    for (let c = 0; c * manifest.chunkSize < manifest.size; c++) {
      if (unused.has(c)) continue;
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
      bytes += got;
      onRead?.(bytes);
    }
  } catch (err) {
    throw new AgentError('target-refused', `Cannot read the target ${path} back to find its damaged chunks: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    await fh?.close();
  }
  return bad;
}

/**
 * The read-back of an image with unused chunks: the whole-image SHA-256 cannot match (the target
 * keeps its own bytes in them), so every data and zero chunk is hashed on its own instead.
 */
async function verifyHashedChunks(path: string, manifest: Manifest, onRead?: (bytesRead: number) => void): Promise<void> {
  const bad = await findDamagedChunks(path, manifest, onRead);
  if (bad.length > 0) {
    throw new AgentError(
      'verification-failed',
      `${bad.length} chunk(s) read back from ${path} do not match the manifest (first: chunk ${bad[0]}); unused chunks were not checked`,
      { expected: manifest.sha256, actual: `chunks ${bad.slice(0, 8).join(',')}`, bytes: 0 },
    );
  }
}
