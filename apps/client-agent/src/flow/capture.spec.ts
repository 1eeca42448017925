// The capture flow over an in-memory disk (MBR, one swap partition full of old data) and an
// in-memory DP that answers like the real one: only used chunks are read and sent, an interrupted
// capture resumes where it stopped, a source that changes under it is refused.
import { createHash } from 'node:crypto';
import { ChunkingError } from '@castpoint/chunking';
import { AgentError } from '../errors';
import { type CaptureApi, type CapturePlan, type CaptureSource, runCapture } from './capture';

const MiB = 1024 * 1024;
const CS = 64 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** 4 MiB: MBR + boot area with some data in the first MiB, then a swap partition of old data. */
function makeDisk(): Buffer {
  const d = Buffer.alloc(4 * MiB);
  for (let i = 0; i < d.length; i++) d[i] = (i * 2654435761) >>> 27; // old data everywhere
  d.fill(0, 0, MiB); // a zeroed boot area...
  d.fill(0x42, 128 * 1024, 200 * 1024); // ...with some boot code in it
  d.writeUInt8(0x82, 446 + 4); // partition 1: Linux swap
  d.writeUInt32LE(2048, 446 + 8);
  d.writeUInt32LE(6144, 446 + 12);
  d.writeUInt16LE(0xaa55, 510);
  d.fill(0, MiB, MiB + 4096);
  d.write('SWAPSPACE2', MiB + 4096 - 10, 'latin1');
  return d;
}

class MemoryDp implements CaptureApi {
  plan: CapturePlan | undefined;
  readonly have = new Map<number, Buffer>();
  puts: number[] = [];
  failAfter = Infinity;
  finished = false;
  async begin(plan: CapturePlan) {
    if (this.plan !== undefined && JSON.stringify(this.plan) !== JSON.stringify(plan)) this.have.clear();
    this.plan = plan;
    const data = plan.hashes.flatMap((h, i) => (h === '' ? [] : [i]));
    return { dataChunks: data.length, missing: data.filter((i) => !this.have.has(i)) };
  }
  async putChunk(_name: string, index: number, data: Uint8Array) {
    if (this.puts.length >= this.failAfter) throw new AgentError('dp-unreachable', 'connection reset');
    expect(sha(data)).toBe(this.plan?.hashes[index]);
    this.puts.push(index);
    this.have.set(index, Buffer.from(data));
  }
  async finish(name: string) {
    this.finished = true;
    return { name, size: this.plan?.size ?? 0, manifestHash: 'f'.repeat(64) };
  }
}

function source(disk: Buffer, reads: number[] = []): () => Promise<CaptureSource> {
  return async () => ({
    read: async (offset, length) => {
      reads.push(offset);
      return disk.subarray(offset, offset + length);
    },
    close: async () => undefined,
  });
}

const preflight = (size: number) => async () => ({ kind: 'file' as const, size });

it('sends only the used, non-zero chunks; unused chunks are never read', async () => {
  const disk = makeDisk();
  const dp = new MemoryDp();
  const reads: number[] = [];
  const r = await runCapture({ source: '/dev/sdz', name: 'ref', chunkSize: CS, api: dp, preflight: preflight(disk.length), open: source(disk, reads) });
  // First MiB (16 chunks) and the swap header's chunk are used; chunks 17-63 hold old swap data.
  expect(dp.plan?.unusedChunks).toEqual(Array.from({ length: 47 }, (_, i) => 17 + i));
  // Data: chunk 0 (the MBR), 2-3 (boot code at 128-200 KiB), 16 (swap header); the rest of the first MiB is zeros.
  expect(dp.puts).toEqual([0, 2, 3, 16]);
  expect(dp.plan?.usedMap).toEqual({ source: 'filesystem', reasons: [] });
  expect(r).toMatchObject({ dataChunks: 4, zeroChunks: 13, unusedChunks: 47, uploadedChunks: 4, uploadedBytes: 4 * CS, mapSource: 'filesystem' });
  expect(dp.finished).toBe(true);
  // Beyond the map's own reads of the swap header, nothing past chunk 16 was read.
  expect(reads.filter((o) => o >= 17 * CS)).toEqual([]);
});

it('resumes after an interruption: the second run sends only what the DP still lacks', async () => {
  const disk = makeDisk();
  const dp = new MemoryDp();
  dp.failAfter = 2;
  const args = { source: '/dev/sdz', name: 'ref', chunkSize: CS, api: dp, preflight: preflight(disk.length), open: source(disk) };
  await expect(runCapture(args)).rejects.toMatchObject({ code: 'dp-unreachable' });
  expect(dp.puts).toEqual([0, 2]);
  expect(dp.finished).toBe(false);
  dp.failAfter = Infinity;
  const r = await runCapture(args);
  expect(dp.puts).toEqual([0, 2, 3, 16]);
  expect(r.uploadedChunks).toBe(2);
  expect(dp.finished).toBe(true);
});

it('refuses a chunk that changed between hashing and upload, sending nothing of it', async () => {
  const disk = makeDisk();
  const dp = new MemoryDp();
  let reads = 0;
  const open = async (): Promise<CaptureSource> => ({
    read: async (offset, length) => {
      reads++;
      const b = Buffer.from(disk.subarray(offset, offset + length));
      // Once the plan is hashed, something writes to the boot code.
      if (dp.plan !== undefined && offset === 2 * CS) b.writeUInt8(b.readUInt8(5) ^ 0xff, 5);
      return b;
    },
    close: async () => undefined,
  });
  await expect(runCapture({ source: '/dev/sdz', name: 'ref', chunkSize: CS, api: dp, preflight: preflight(disk.length), open })).rejects.toMatchObject({
    code: 'verification-failed',
  });
  expect(dp.puts).toEqual([0]);
  expect(reads).toBeGreaterThan(0);
});

it('a refused source (mounted) stops before anything is read or sent', async () => {
  const dp = new MemoryDp();
  const refuse = async (): Promise<never> => {
    throw new ChunkingError('CHUNKING_TARGET_MOUNTED', 'disk /dev/sdz holds a mounted filesystem', { path: '/dev/sdz', device: '8:1', mountPoint: '/' });
  };
  const reads: number[] = [];
  await expect(runCapture({ source: '/dev/sdz', name: 'ref', chunkSize: CS, api: dp, preflight: refuse, open: source(Buffer.alloc(0), reads) })).rejects.toMatchObject({
    code: 'CHUNKING_TARGET_MOUNTED',
  });
  expect(reads).toEqual([]);
  expect(dp.plan).toBeUndefined();
});
