// Where an import's CPU work runs: a small pool of worker threads (the default), or the calling
// thread (`workers: 0`, the reference the pool is tested against). The main thread only reads the
// file and writes the chunk pack, so a DP importing a large image keeps serving sessions, the API
// and network boots.
import { availableParallelism } from 'node:os';
import { createHash, type Hash } from 'node:crypto';
import { Worker, threadId as mainThreadId } from 'node:worker_threads';
import { loadZstd, type ChunkZstd } from '../chunk-compression';
import { workChunks, type ChunkJob, type ChunkWorkResult } from './chunk-work';
import { errorFromWire, type WorkerReply, type WorkerRequest } from './protocol';
import { importWorkerSource } from './worker-source';

/**
 * The import's CPU work. Buffers are views of SharedArrayBuffer read slots: the chunk work and the
 * whole-image hash of one slot read it at once, in two threads, without a copy. The caller must
 * not refill a slot before both promises for it have settled.
 */
export interface ImportPool {
  /** Chunk hashes (and stored forms) of one buffer of whole chunks. */
  chunks(buf: Uint8Array, job: ChunkJob): Promise<ChunkWorkResult>;
  /** Feeds the next bytes of the image, in order, to the whole-image SHA-256. */
  whole(buf: Uint8Array): Promise<void>;
  /** The whole-image SHA-256 (hex) of everything fed so far. */
  digest(): Promise<{ readonly hex: string; readonly threadId: number }>;
  /** Chunk workers (0: the calling thread); slots in flight scale with it. */
  readonly workers: number;
  close(): Promise<void>;
}

/** min(2, cores - 1), at least 1: one core stays for the DP's event loop (sessions, API, boot). */
export function defaultImportWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

/** The calling thread does everything: yields to the event loop between chunks when compressing. */
export function inThreadPool(): ImportPool {
  const zeroCache = new Map<number, string>();
  let hash: Hash = createHash('sha256');
  let zstd: ChunkZstd | undefined;
  return {
    workers: 0,
    async chunks(buf, job) {
      if (job.store === undefined) return workChunks(buf, job, undefined, zeroCache, mainThreadId);
      zstd ??= await loadZstd();
      // One chunk per event-loop turn: level 3 takes ~20 ms per MiB, level 19 up to 1 s.
      const parts: ChunkWorkResult[] = [];
      for (let o = 0, i = 0; o < buf.length; o += job.chunkSize, i++) {
        const store = job.store.subarray(i, i + 1);
        parts.push(workChunks(buf.subarray(o, Math.min(o + job.chunkSize, buf.length)), { ...job, store }, zstd, zeroCache, mainThreadId));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return joinResults(parts);
    },
    async whole(buf) {
      hash.update(buf);
    },
    async digest() {
      const hex = hash.digest('hex');
      hash = createHash('sha256');
      return { hex, threadId: mainThreadId };
    },
    close: async () => undefined,
  };
}

function joinResults(parts: readonly ChunkWorkResult[]): ChunkWorkResult {
  const digests = parts.flatMap((p) => p.digests);
  const stored = parts.map((p) => p.stored);
  const bytes = Buffer.concat(stored.map((s) => s?.bytes ?? new Uint8Array(0)));
  return {
    digests,
    stored: { bytes, sizes: stored.flatMap((s) => s?.sizes ?? []), storedSha256: stored.flatMap((s) => s?.storedSha256 ?? []) },
    threadId: mainThreadId,
  };
}

/** A request before the worker numbers it (Omit distributed over the union's members). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Waiter {
  resolve(reply: WorkerReply): void;
  reject(err: unknown): void;
}

/** One worker thread answering requests in order. */
class ImportWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 0;
  private failure: unknown;

  constructor(source: string) {
    this.worker = new Worker(source, { eval: true });
    this.worker.on('message', (m: WorkerReply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => {
      if (this.waiting.size > 0) this.failAll(new Error(`import worker exited with code ${code}`));
    });
  }

  private failAll(err: unknown): void {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  request(m: Unnumbered<WorkerRequest>): Promise<WorkerReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id });
    }).then((r) => {
      if (!r.ok) throw errorFromWire(r.error);
      return r;
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Where a view lies in its SharedArrayBuffer (the workers read it there, nothing is copied). */
function shared(buf: Uint8Array): { sab: SharedArrayBuffer; offset: number; length: number } {
  if (!(buf.buffer instanceof SharedArrayBuffer)) throw new Error('internal: import buffers must be SharedArrayBuffer views');
  return { sab: buf.buffer, offset: buf.byteOffset, length: buf.byteLength };
}

/**
 * `workers` chunk workers, taking buffers in turn, plus one thread for the whole-image SHA-256
 * (it must see every byte in order, and would otherwise hold up a chunk worker). The whole-image
 * thread is idle most of the time when compressing: zstd costs ~25x SHA-256.
 */
export function workerPool(workers = defaultImportWorkers()): ImportPool {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`internal: a worker pool needs at least one worker (got ${workers})`);
  const source = importWorkerSource();
  const chunkWorkers = Array.from({ length: workers }, () => new ImportWorker(source));
  const wholeWorker = new ImportWorker(source);
  let turn = 0;
  return {
    workers,
    async chunks(buf, job) {
      const w = chunkWorkers[turn++ % workers];
      if (w === undefined) throw new Error('internal: no import worker');
      const r = await w.request({ kind: 'chunks', ...shared(buf), job });
      if (r.ok && r.kind === 'chunks') return r.result;
      throw new Error('internal: import worker answered chunks with another reply');
    },
    async whole(buf) {
      await wholeWorker.request({ kind: 'whole', ...shared(buf) });
    },
    async digest() {
      const r = await wholeWorker.request({ kind: 'digest' });
      if (r.ok && r.kind === 'digest') return { hex: r.hex, threadId: r.threadId };
      throw new Error('internal: import worker answered digest with another reply');
    },
    async close() {
      await Promise.all([...chunkWorkers, wholeWorker].map((w) => w.close()));
    },
  };
}
