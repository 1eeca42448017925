import { open, type FileHandle } from 'node:fs/promises';
import { MANIFEST_VERSION, type Manifest, type UsedMapInfo } from '@castpoint/wire';
import { DEFAULT_CHUNK_SIZE, assertChunkSize, chunkCount } from './chunk-math';
import { ChunkingError, asChunkingError } from './errors';
import { makeFingerprint, type ImageFingerprint } from './fingerprint';
import { DEFAULT_ZSTD_LEVEL, assertZstdLevel } from './chunk-compression';
import { ChunkPackWriter } from './chunk-pack';
import type { ChunkWorkResult } from './import-pool/chunk-work';
import { defaultImportWorkers, inThreadPool, workerPool, type ImportPool } from './import-pool/import-pool';
import { chunksTouched, manifestHash } from './manifest-codec';

export interface ImportOptions {
  /** Chunk size in bytes: a multiple of 512 between 4 KiB and 256 MiB. @default 1048576 (1 MiB) */
  readonly chunkSize?: number;
  /** Called after each read buffer is hashed, with bytes done and the image size. */
  readonly onProgress?: (bytesDone: number, size: number) => void;
  /**
   * Worker threads that hash and compress chunks (one more thread computes the whole-image
   * SHA-256), so the calling thread only reads the file and writes the pack. 0: everything on the
   * calling thread (the reference; compression then yields to the event loop between chunks).
   * @default min(2, cores - 1), at least 1; 0 for an image under 64 MiB imported without compression
   */
  readonly workers?: number;
  /** Bytes read per I/O: rounded down to whole chunks, at least one chunk. @default 16777216 (16 MiB) */
  readonly readSize?: number;
  /**
   * A used-block map of the image (from @castpoint/diskmap, or a capture): chunks that no used
   * extent touches and that are not all zeros become `unusedChunks`, and the manifest records the
   * map's source. Without it every chunk is data or zero.
   */
  readonly usedMap?: UsedBlockMap;
  /**
   * Also compress every stored chunk (data, in use) with zstd into the chunk pack `packPath` (see
   * chunk-pack.ts), in the same read pass, and write its index (pack-index.ts) beside it; the
   * manifest then carries `compression`. Level 3 takes about 20 ms per MiB of one core here.
   */
  readonly compress?: { readonly packPath: string; readonly level?: number };
  /** Where the CPU work runs, for tests; `workers` is ignored then. The caller closes it. */
  readonly pool?: ImportPool;
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
  /** Threads that did the hashing and compressing (worker_threads ids; 0 is the main thread). */
  readonly threads: readonly number[];
}

/** Below this size an import without compression hashes on the calling thread (~30 ms of CPU). */
const IN_THREAD_MAX = 64 * 1024 * 1024;

async function readFull(fh: FileHandle, buf: Buffer, len: number, position: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const { bytesRead } = await fh.read(buf, done, len - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** One read buffer's work under way: its chunk results and its share of the whole-image hash. */
interface InFlight {
  readonly chunks: Promise<ChunkWorkResult>;
  readonly whole: Promise<void>;
}

/**
 * Reads an image once, streaming with constant memory (a few read buffers plus the manifest
 * itself), and builds its manifest: SHA-256 per chunk, SHA-256 of the whole image, the all-zero
 * chunks; with `compress`, the chunk pack and its index. Works for any file kind (raw disk image,
 * WIM, ISO): the content is opaque bytes. A failed import leaves no pack or partial file behind.
 */
export async function importImage(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  const readSize = options.readSize ?? 16 * 1024 * 1024;
  const slotSize = Math.max(1, Math.floor(readSize / chunkSize)) * chunkSize;
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 0)) {
    throw new ChunkingError('CHUNKING_BAD_OPTION', `workers must be a non-negative integer (got ${options.workers})`, { field: 'workers', actual: options.workers });
  }
  const level = options.compress?.level ?? DEFAULT_ZSTD_LEVEL;
  if (options.compress !== undefined) assertZstdLevel(level); // before a file is opened

  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot open image file ${path}`, err, { path });
  }
  let ownPool: ImportPool | undefined;
  let pack: ChunkPackWriter | undefined;
  const inFlight: InFlight[] = [];
  try {
    const before = await fh.stat();
    if (!before.isFile()) {
      throw new ChunkingError('CHUNKING_IMAGE_UNREADABLE', `image ${path} is not a regular file`, { path });
    }
    const size = before.size;
    const workers = options.workers ?? (options.compress === undefined && size < IN_THREAD_MAX ? 0 : defaultImportWorkers());
    const pool = options.pool ?? (ownPool = workers === 0 ? inThreadPool() : workerPool(workers));
    // A pool handed in may hold a failed import's partial whole-image hash: start a fresh one.
    if (options.pool !== undefined) await options.pool.digest();
    // Which chunks a used-block map keeps: the others become unused and are not compressed.
    const touched = options.usedMap === undefined ? undefined : chunksTouched(options.usedMap.used, size, chunkSize);
    if (options.compress !== undefined) pack = await ChunkPackWriter.create(options.compress.packPath, level);
    // One buffer per chunk worker being worked on, one queued behind them, one being read.
    const slots = Array.from({ length: Math.max(1, pool.workers) + 2 }, () => Buffer.from(new SharedArrayBuffer(slotSize)));
    const chunks: string[] = [];
    const zeroChunks: number[] = [];
    const threads = new Set<number>();
    let doneBytes = 0;

    const readSlot = async (buf: Buffer, position: number): Promise<Buffer> => {
      const len = Math.min(slotSize, size - position);
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

    // Results come back per buffer; consuming them in read order keeps chunk order.
    const consumeOldest = async (): Promise<void> => {
      const f = inFlight.shift();
      if (f === undefined) return;
      const [r] = await Promise.all([f.chunks, f.whole]);
      threads.add(r.threadId);
      for (const d of r.digests) {
        if (d.zero) zeroChunks.push(chunks.length);
        chunks.push(d.sha256);
      }
      if (pack !== undefined) {
        if (r.stored === undefined) throw new Error('internal: a compressed import got no stored chunks');
        await pack.append(r.stored);
      }
      doneBytes = Math.min(size, chunks.length * chunkSize);
      options.onProgress?.(doneBytes, size);
    };

    for (let position = 0, n = 0; position < size; n++) {
      // A slot is refilled only once the work on its previous bytes is consumed.
      if (inFlight.length === slots.length) await consumeOldest();
      const slot = slots[n % slots.length];
      if (slot === undefined) throw new Error('internal: no read slot');
      const buf = await readSlot(slot, position);
      const first = position / chunkSize;
      const store = pack === undefined ? undefined : storeFlags(touched, first, Math.ceil(buf.length / chunkSize));
      const f: InFlight = { chunks: pool.chunks(buf, { chunkSize, ...(store ? { store, level } : {}) }), whole: pool.whole(buf) };
      // Awaited in order by consumeOldest; if an earlier one fails first, these must not surface
      // as unhandled rejections.
      f.chunks.catch(() => undefined);
      f.whole.catch(() => undefined);
      inFlight.push(f);
      position += buf.length;
    }
    while (inFlight.length > 0) await consumeOldest();
    const whole = await pool.digest();
    threads.add(whole.threadId);

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
    const plain: Manifest = { version: MANIFEST_VERSION, size, chunkSize, sha256: whole.hex, chunks, zeroChunks };
    const mapped = options.usedMap === undefined ? plain : applyUsedMap(plain, options.usedMap);
    let manifest = mapped;
    if (pack !== undefined) {
      manifest = { ...mapped, compression: { codec: 'zstd', level: pack.level, sizes: [...pack.frameSizes()] } };
      await pack.finish(manifestHash(manifest));
      pack = undefined;
    }
    return { manifest, manifestHash: manifestHash(manifest), fingerprint: makeFingerprint(manifest, before.mtimeMs), threads: [...threads].sort((a, b) => a - b) };
  } catch (err) {
    throw asChunkingError('CHUNKING_IMAGE_UNREADABLE', `cannot import image file ${path}`, err, { path });
  } finally {
    // No worker may still read a slot when the pool closes or the file is closed.
    await Promise.allSettled(inFlight.flatMap((f) => [f.chunks, f.whole]));
    await pack?.abort();
    await ownPool?.close();
    await fh.close();
  }
}

/** Per chunk of one buffer: 1 when it is stored if not all zeros, 0 when a used-block map leaves it unused. */
function storeFlags(touched: Uint8Array | undefined, first: number, count: number): Uint8Array {
  return touched === undefined ? new Uint8Array(count).fill(1) : touched.slice(first, first + count);
}
