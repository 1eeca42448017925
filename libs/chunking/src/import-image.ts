import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { MANIFEST_VERSION, type Manifest, type UsedMapInfo } from '@castpoint/wire';
import { DEFAULT_CHUNK_SIZE, assertChunkSize, chunkCount } from './chunk-math';
import { ChunkingError, asChunkingError } from './errors';
import { makeFingerprint, type ImageFingerprint } from './fingerprint';
import { createInThreadHasher, createWorkerHasher, type ChunkDigest, type ChunkHasher } from './hash-worker';
import { chunksTouched, manifestHash } from './manifest-codec';

export interface ImportOptions {
  /** Chunk size in bytes: a multiple of 512 between 4 KiB and 256 MiB. @default 1048576 (1 MiB) */
  readonly chunkSize?: number;
  /** Called after each read buffer is hashed, with bytes done and the image size. */
  readonly onProgress?: (bytesDone: number, size: number) => void;
  /**
   * Hash chunks in a worker thread while the main thread hashes the whole image. Two cores are
   * used; on one core it costs a little more than it saves.
   * @default true when the image is at least 64 MiB
   */
  readonly hashInWorker?: boolean;
  /** Bytes read per I/O: rounded down to whole chunks, at least one chunk. @default 16777216 (16 MiB) */
  readonly readSize?: number;
  /**
   * A used-block map of the image (from @castpoint/diskmap, or a capture): chunks that no used
   * extent touches and that are not all zeros become `unusedChunks`, and the manifest records the
   * map's source. Without it every chunk is data or zero.
   */
  readonly usedMap?: UsedBlockMap;
}

/** Used byte extents of an image and where they came from. */
export interface UsedBlockMap extends UsedMapInfo {
  readonly used: readonly { readonly start: number; readonly length: number }[];
}

/**
 * Adds `unusedChunks` and `usedMap` to a manifest from a used-block map. A chunk no used extent
 * touches is unused even when it reads as zeros (a captured image holds holes there): free space
 * is never written, as partclone does; `zeroChunks` keeps only the zero chunks in use.
 */
export function applyUsedMap(m: Manifest, map: UsedBlockMap): Manifest {
  const touched = chunksTouched(map.used, m.size, m.chunkSize);
  const unusedChunks: number[] = [];
  for (let c = 0; c < touched.length; c++) if (touched[c] === 0) unusedChunks.push(c);
  const zeroChunks = m.zeroChunks.filter((z) => touched[z] === 1);
  return { ...m, zeroChunks, unusedChunks, usedMap: { source: map.source, reasons: [...map.reasons] } };
}

export interface ImportResult {
  readonly manifest: Manifest;
  readonly manifestHash: string;
  readonly fingerprint: ImageFingerprint;
}

/** Buffers in flight: one being read, one being hashed by the worker, one by the main thread. */
const SLOTS = 3;

async function readFull(fh: FileHandle, buf: Buffer, len: number, position: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const { bytesRead } = await fh.read(buf, done, len - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Reads an image once, streaming with constant memory (3 read buffers plus the manifest itself),
 * and builds its manifest: SHA-256 per chunk, SHA-256 of the whole image, the all-zero chunks.
 * Works for any file kind (raw disk image, WIM, ISO): the content is opaque bytes.
 */
export async function importImage(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  const readSize = options.readSize ?? 16 * 1024 * 1024;
  const slotSize = Math.max(1, Math.floor(readSize / chunkSize)) * chunkSize;

  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open image file ${path}`, err, { path });
  }
  let hasher: ChunkHasher | undefined;
  try {
    const before = await fh.stat();
    if (!before.isFile()) {
      throw new ChunkingError('CHUNKING_IMAGE_UNREADABLE', `image ${path} is not a regular file`, { path });
    }
    const size = before.size;
    const useWorker = options.hashInWorker ?? size >= 64 * 1024 * 1024;
    hasher = useWorker ? createWorkerHasher() : createInThreadHasher();
    const slots = Array.from({ length: SLOTS }, () => Buffer.from(new SharedArrayBuffer(slotSize)));
    const pending: (Promise<ChunkDigest[]> | undefined)[] = new Array(SLOTS).fill(undefined);
    const whole = createHash('sha256');
    const chunks: string[] = [];
    const zeroChunks: number[] = [];
    let hashedBytes = 0;

    // Digests come back per slot; consuming them in slot order keeps chunk order.
    const consume = async (slot: number): Promise<void> => {
      const p = pending[slot];
      if (p === undefined) return;
      pending[slot] = undefined;
      for (const d of await p) {
        if (d.zero) zeroChunks.push(chunks.length);
        chunks.push(d.sha256);
        hashedBytes = Math.min(size, hashedBytes + chunkSize);
      }
      options.onProgress?.(hashedBytes, size);
    };

    const readSlot = async (slot: number, position: number): Promise<Buffer> => {
      const len = Math.min(slotSize, size - position);
      const buf = slots[slot];
      if (buf === undefined) throw new Error(`internal: no read slot ${slot}`);
      const got = await readFull(fh, buf, len, position);
      if (got !== len) {
        throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `image file ${path} shrank while it was being imported`, {
          path,
          expected: size,
          actual: position + got,
        });
      }
      return buf.subarray(0, len);
    };

    let position = 0;
    let slot = 0;
    let nextRead: Promise<Buffer> | undefined = size > 0 ? readSlot(0, 0) : undefined;
    while (nextRead !== undefined) {
      const buf = await nextRead;
      const digests = hasher.hash(buf, chunkSize);
      // Awaited later by consume(); if we bail out early (read error), a worker failure must not
      // surface as an unhandled rejection.
      digests.catch(() => undefined);
      pending[slot] = digests;
      position += buf.length;
      const next = (slot + 1) % SLOTS;
      nextRead = undefined;
      if (position < size) {
        await consume(next); // the next slot's previous digests must be in before it is overwritten
        nextRead = readSlot(next, position);
      }
      // Runs on this thread while the worker hashes chunks and the thread pool reads ahead.
      whole.update(buf);
      slot = next;
    }
    // Oldest first: the slot after the last one filled is the oldest still pending.
    for (let i = 0; i < SLOTS; i++) await consume((slot + i) % SLOTS);

    const after = await fh.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new ChunkingError('CHUNKING_IMAGE_CHANGED', `image file ${path} was modified while it was being imported`, {
        path,
        expected: before.mtimeMs,
        actual: after.mtimeMs,
      });
    }
    if (chunks.length !== chunkCount(size, chunkSize)) {
      throw new Error(`internal: ${chunks.length} chunk digests for ${chunkCount(size, chunkSize)} chunks`);
    }
    const plain: Manifest = { version: MANIFEST_VERSION, size, chunkSize, sha256: whole.digest('hex'), chunks, zeroChunks };
    const manifest = options.usedMap === undefined ? plain : applyUsedMap(plain, options.usedMap);
    return { manifest, manifestHash: manifestHash(manifest), fingerprint: makeFingerprint(manifest, before.mtimeMs) };
  } catch (err) {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot import image file ${path}`, err, { path });
  } finally {
    await hasher?.close();
    await fh.close();
  }
}
