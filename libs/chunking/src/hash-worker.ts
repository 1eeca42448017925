import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { isAllZero } from './zero';

/** Per-chunk result of hashing one buffer of whole chunks. */
export interface ChunkDigest {
  readonly sha256: string;
  readonly zero: boolean;
}

/**
 * Hashes the chunks of one buffer (chunk SHA-256 + zero flag). Two implementations: in-thread (used
 * for small images and as the reference) and a worker thread, so that the whole-image SHA-256 on the
 * main thread and the per-chunk SHA-256s run on two cores at once. SHA-256 is the cost of import and
 * every byte is hashed twice; one core alone tops out at half of OpenSSL's single-core rate.
 */
export interface ChunkHasher {
  hash(buf: Buffer, chunkSize: number): Promise<ChunkDigest[]>;
  close(): Promise<void>;
}

/** Precomputed hash of an all-zero chunk so zero chunks cost a word scan, not a SHA-256. */
function zeroHash(len: number, cache: Map<number, string>): string {
  let h = cache.get(len);
  if (h === undefined) {
    h = createHash('sha256').update(Buffer.alloc(len)).digest('hex');
    cache.set(len, h);
  }
  return h;
}

export function hashChunksSync(buf: Buffer, chunkSize: number, zeroCache: Map<number, string>): ChunkDigest[] {
  const out: ChunkDigest[] = [];
  for (let o = 0; o < buf.length; o += chunkSize) {
    const c = buf.subarray(o, Math.min(o + chunkSize, buf.length));
    const zero = isAllZero(c);
    out.push({ zero, sha256: zero ? zeroHash(c.length, zeroCache) : createHash('sha256').update(c).digest('hex') });
  }
  return out;
}

export function createInThreadHasher(): ChunkHasher {
  const zeroCache = new Map<number, string>();
  return {
    hash: async (buf, chunkSize) => hashChunksSync(buf, chunkSize, zeroCache),
    close: async () => undefined,
  };
}

// The worker's source is inline (eval) so the lib needs no separate file next to an esbuild bundle.
// It duplicates isAllZero and the zero-hash cache on purpose: the worker cannot import TypeScript.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zeroCache = new Map();
function isAllZero(b) {
  const n = Math.floor(b.byteLength / 8);
  const w = new BigUint64Array(b.buffer, b.byteOffset, n);
  let i = 0;
  for (; i + 4 <= n; i += 4) if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3]) !== 0n) return false;
  for (; i < n; i++) if (w[i] !== 0n) return false;
  for (let j = n * 8; j < b.byteLength; j++) if (b[j] !== 0) return false;
  return true;
}
parentPort.on('message', (m) => {
  const buf = Buffer.from(m.sab, 0, m.len);
  const out = [];
  for (let o = 0; o < m.len; o += m.chunkSize) {
    const c = buf.subarray(o, Math.min(o + m.chunkSize, m.len));
    const zero = isAllZero(c);
    let sha256;
    if (zero) {
      sha256 = zeroCache.get(c.length);
      if (sha256 === undefined) { sha256 = createHash('sha256').update(c).digest('hex'); zeroCache.set(c.length, sha256); }
    } else sha256 = createHash('sha256').update(c).digest('hex');
    out.push({ sha256, zero });
  }
  parentPort.postMessage({ id: m.id, out });
});
`;

/**
 * A worker-thread hasher. Buffers passed to `hash` must be backed by a SharedArrayBuffer (starting at
 * offset 0) so that nothing is copied; the caller must not touch a buffer until its promise settles.
 */
export function createWorkerHasher(): ChunkHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const waiting = new Map<number, { resolve: (d: ChunkDigest[]) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let failure: unknown;
  const failAll = (err: unknown): void => {
    failure = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: { id: number; out: ChunkDigest[] }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    w?.resolve(m.out);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    if (waiting.size > 0) failAll(new Error(`hash worker exited with code ${code}`));
  });
  return {
    hash(buf, chunkSize) {
      if (failure !== undefined) return Promise.reject(failure);
      if (!(buf.buffer instanceof SharedArrayBuffer) || buf.byteOffset !== 0) {
        return Promise.reject(new Error('worker hasher needs a SharedArrayBuffer-backed buffer at offset 0'));
      }
      const id = nextId++;
      return new Promise<ChunkDigest[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, sab: buf.buffer, len: buf.length, chunkSize });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
