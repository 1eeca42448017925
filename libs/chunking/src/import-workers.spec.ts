// The import's CPU work runs in worker threads: same manifest, pack and index as on the calling
// thread, the work done by other threads, the calling thread's event loop left free, and a failure
// in any thread leaves no file behind.
import { mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { importImage, type ImportOptions } from './import-image';
import { inThreadPool, workerPool, type ImportPool } from './import-pool/import-pool';
import { packIndexPath } from './pack-index';
import { referenceManifest, seededBytes, tempDir } from './testing/fixtures';

const MiB = 1024 * 1024;
const t = tempDir('import-workers');
afterAll(() => t.cleanup());

/**
 * 64 MiB of 1 MiB chunks cycling through: low-entropy bytes (16 symbols: zstd takes real work and
 * stores ~0.6), seeded random (stored raw), zeros, and text.
 */
function bigImage(): Buffer {
  const random = seededBytes(4 * MiB, 11);
  const low = Buffer.from(random.map((b) => 0x40 | (b & 0x0f)));
  const text = Buffer.from('deploy the image to every machine of the lab, verify each chunk, then boot it. '.repeat(Math.ceil(MiB / 80)).slice(0, MiB));
  const parts: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    const at = (i * 7919) % (3 * MiB);
    parts.push([low.subarray(at, at + MiB), random.subarray(at, at + MiB), Buffer.alloc(MiB), text][i % 4] as Buffer);
  }
  return Buffer.concat(parts);
}

const image = bigImage();
const path = join(t.dir, 'big.img');
writeFileSync(path, image);

/** Runs `f` and returns what share of the wall time this thread's event loop was busy meanwhile. */
async function loopBusy<T>(f: () => Promise<T>): Promise<{ result: T; utilization: number }> {
  const start = performance.eventLoopUtilization();
  const result = await f();
  return { result, utilization: performance.eventLoopUtilization(start).utilization };
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe('importImage in worker threads', () => {
  beforeAll(async () => {
    // The first pool of a process builds the worker's script (from sources: esbuild, on this thread).
    const small = join(t.dir, 'warm.img');
    writeFileSync(small, image.subarray(0, MiB));
    await importImage(small, { workers: 1, compress: { packPath: join(t.dir, 'warm.zst') } });
  }, 60_000);

  it('64 MiB: same manifest, pack and pack index as the single-thread import, the work on other threads, this loop mostly idle', async () => {
    const pooled = await loopBusy(() => importImage(path, { workers: 1, compress: { packPath: join(t.dir, 'pooled.zst'), level: 3 } }));
    const single = await loopBusy(() => importImage(path, { workers: 0, compress: { packPath: join(t.dir, 'single.zst'), level: 3 } }));

    expect(pooled.result.manifest).toEqual(single.result.manifest);
    expect(pooled.result.manifestHash).toBe(single.result.manifestHash);
    expect({ ...pooled.result.manifest, compression: undefined }).toEqual({ ...referenceManifest(image, MiB), compression: undefined });
    expect(readFileSync(join(t.dir, 'pooled.zst')).equals(readFileSync(join(t.dir, 'single.zst')))).toBe(true);
    expect(readFileSync(packIndexPath(join(t.dir, 'pooled.zst'))).equals(readFileSync(packIndexPath(join(t.dir, 'single.zst'))))).toBe(true);
    const sizes = pooled.result.manifest.compression?.sizes ?? [];
    expect(sizes[0]).toBeLessThan(0.7 * MiB); // low-entropy chunks shrink
    expect(sizes[1]).toBe(MiB); // random ones are stored raw
    expect(sizes[2]).toBe(0); // zero ones not at all

    // Who did the work: only other threads in the pool (one chunk worker, one whole-image hasher).
    expect(pooled.result.threads).toHaveLength(2);
    expect(pooled.result.threads).not.toContain(threadId);
    expect(single.result.threads).toEqual([threadId]);
    // What that leaves this thread: its event loop idle most of the import, where the single-thread
    // import keeps it busy most of the time. Shares of the same import's duration, not wall-clock
    // thresholds: a slower box stretches both sides alike.
    expect(pooled.utilization).toBeLessThan(0.5);
    expect(single.utilization).toBeGreaterThan(0.5);
  }, 180_000);

  it('a chunk that fails in a worker rejects the import with its typed error and leaves no pack, index or partial file', async () => {
    const dir = join(t.dir, 'fails');
    mkdirSync(dir);
    const real = workerPool(1);
    let calls = 0;
    // The third buffer goes to the worker with a level zstd refuses: the worker throws CHUNKING_BAD_OPTION.
    const pool: ImportPool = { ...real, chunks: (buf, job) => real.chunks(buf, calls++ === 2 ? { ...job, level: 99 } : job) };
    try {
      await expect(importImage(path, { pool, compress: { packPath: join(dir, 'x.zst') } })).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION', data: { actual: 99 } });
    } finally {
      await real.close();
    }
    expect(calls).toBeGreaterThan(2);
    expect(filesOf(dir)).toEqual([]);
  }, 120_000);

  it.each([
    ['in worker threads', { workers: 1 }],
    ['on this thread', { workers: 0 }],
  ] as [string, ImportOptions][])('a file that shrinks during the import (%s) is CHUNKING_IMAGE_CHANGED, and leaves nothing', async (_name, o) => {
    const dir = join(t.dir, `shrinks-${String(o.workers)}`);
    mkdirSync(dir);
    const file = join(dir, 'img');
    writeFileSync(file, image.subarray(0, 40 * MiB));
    let cut = false;
    const onProgress = (): void => {
      if (!cut) truncateSync(file, 20 * MiB);
      cut = true;
    };
    await expect(importImage(file, { ...o, readSize: 4 * MiB, onProgress, compress: { packPath: join(dir, 'x.zst') } })).rejects.toMatchObject({ code: 'CHUNKING_IMAGE_CHANGED' });
    expect(filesOf(dir)).toEqual(['img']);
  }, 120_000);

  it('an in-thread pool handed in is used as is (the caller closes it)', async () => {
    const pool = inThreadPool();
    const r = await importImage(join(t.dir, 'warm.img'), { pool });
    expect(r.threads).toEqual([threadId]);
    expect(r.manifest).toEqual(referenceManifest(image.subarray(0, MiB), MiB));
  });
});
