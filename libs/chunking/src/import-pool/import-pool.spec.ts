import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { loadZstd } from '../chunk-compression';
import { ChunkingError } from '../errors';
import { buildImage } from '../testing/fixtures';
import { inThreadPool, workerPool, type ImportPool } from './import-pool';

const CS = 4096;
const text = Buffer.from('castpoint sends disk images to many machines at once. '.repeat(200));
/** Text, random, zeros and a short random tail, in a SharedArrayBuffer as the import's slots are. */
function slot(): Uint8Array {
  const bytes = Buffer.concat([text.subarray(0, 2 * CS), buildImage([{ zero: false, length: CS }, { zero: true, length: CS }, { zero: false, length: 300 }], 5)]);
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length));
  view.set(bytes);
  return view;
}

async function run(pool: ImportPool, buf: Uint8Array, store: Uint8Array | undefined) {
  try {
    const chunks = await pool.chunks(buf, { chunkSize: CS, ...(store ? { store, level: 3 } : {}) });
    await pool.whole(buf);
    const whole = await pool.digest();
    return { chunks, whole };
  } finally {
    await pool.close();
  }
}

describe('import pools', () => {
  it('a worker pool gives the calling thread\'s results, byte for byte, from other threads', async () => {
    const buf = slot();
    // Chunk 1 is left unused by a used-block map: not stored although it is text.
    const store = Uint8Array.from([1, 0, 1, 1, 1]);
    const here = await run(inThreadPool(), buf, store);
    const there = await run(workerPool(2), buf, store);
    expect({ ...there.chunks, threadId: 0 }).toEqual({ ...here.chunks, threadId: 0 });
    expect(there.whole.hex).toBe(here.whole.hex);
    expect(here.whole.hex).toBe(createHash('sha256').update(buf).digest('hex'));
    expect(here.chunks.threadId).toBe(threadId);
    expect(there.chunks.threadId).not.toBe(threadId);
    expect(there.whole.threadId).not.toBe(threadId);

    // What the stored forms are: a frame for text, nothing for unused and zero chunks, raw random bytes.
    const stored = there.chunks.stored;
    expect(stored?.sizes.slice(1, 4)).toEqual([0, CS, 0]);
    expect(stored?.sizes[0]).toBeLessThan(CS / 4);
    expect(stored?.sizes[4]).toBe(300);
    const zstd = await loadZstd();
    const frame0 = Buffer.from(stored?.bytes.subarray(0, stored.sizes[0]) ?? []);
    expect(zstd.decode(frame0, 0, CS, there.chunks.digests[0]?.sha256 ?? '').equals(text.subarray(0, CS))).toBe(true);
    expect(stored?.storedSha256[0]).toBe(createHash('sha256').update(frame0).digest('hex'));
    expect(stored?.storedSha256[2]).toBe(there.chunks.digests[2]?.sha256); // stored raw: the raw hash
    expect(stored?.storedSha256[1]).toBe('');
  });

  it('without compression gives hashes only', async () => {
    const r = await run(workerPool(1), slot(), undefined);
    expect(r.chunks.stored).toBeUndefined();
    expect(r.chunks.digests.map((d) => d.zero)).toEqual([false, false, false, true, false]);
  });

  it("a worker's ChunkingError reaches the caller with its code and data; the pool then still closes", async () => {
    const pool = workerPool(1);
    try {
      const failed = pool.chunks(slot(), { chunkSize: CS, store: Uint8Array.from([1, 1, 1, 1, 1]), level: 99 });
      await expect(failed).rejects.toBeInstanceOf(ChunkingError);
      await expect(failed).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION', data: { field: 'compressLevel', actual: 99 } });
      // The worker answers the next request: one failed chunk does not kill it.
      await expect(pool.chunks(slot(), { chunkSize: CS })).resolves.toMatchObject({ digests: expect.any(Array) });
    } finally {
      await pool.close();
    }
  });
});
