import { threadId } from 'node:worker_threads';
import { loadZstd, type ChunkZstd } from '../chunk-compression';
import { seededBytes } from '../testing/fixtures';
import { workChunks } from './chunk-work';

const MiB = 1024 * 1024;
const text = Buffer.from('the quick brown fox jumps over the lazy dog, chunk after chunk. '.repeat(MiB / 64));

/** The real codec, counting the bytes each compress call was given. */
async function countingZstd(): Promise<{ zstd: ChunkZstd; inputs: number[] }> {
  const real = await loadZstd();
  const inputs: number[] = [];
  return { inputs, zstd: { ...real, compress: (raw, level) => (inputs.push(raw.length), real.compress(raw, level)) } };
}

describe('workChunks, compressing', () => {
  it('stores a random chunk raw after compressing a 32 KiB sample of it, never the whole MiB', async () => {
    const { zstd, inputs } = await countingZstd();
    const random = seededBytes(MiB, 3);
    const r = workChunks(random, { chunkSize: MiB, store: Uint8Array.of(1), level: 3 }, zstd, new Map(), threadId);
    expect(r.stored?.sizes).toEqual([MiB]);
    expect(Buffer.from(r.stored?.bytes ?? []).equals(random)).toBe(true);
    expect(inputs).toEqual([32 * 1024]);
  });

  it('compresses the whole chunk when its sample shrinks: a quarter of text among random bytes is enough', async () => {
    const { zstd, inputs } = await countingZstd();
    const mixed = Buffer.concat([seededBytes((3 * MiB) / 4, 4), text.subarray(0, MiB / 4)]);
    const r = workChunks(mixed, { chunkSize: MiB, store: Uint8Array.of(1), level: 3 }, zstd, new Map(), threadId);
    expect(inputs).toEqual([32 * 1024, MiB]);
    expect(r.stored?.sizes[0]).toBeLessThan(0.8 * MiB);
    expect(zstd.decode(Buffer.from(r.stored?.bytes ?? []), 0, MiB, r.digests[0]?.sha256 ?? '').equals(mixed)).toBe(true);
  });

  it('always tries a chunk under 64 KiB (no sample)', async () => {
    const { zstd, inputs } = await countingZstd();
    const r = workChunks(seededBytes(4096, 5), { chunkSize: 4096, store: Uint8Array.of(1), level: 3 }, zstd, new Map(), threadId);
    expect(inputs).toEqual([4096]);
    expect(r.stored?.sizes).toEqual([4096]);
  });
});
