// The real ChunkStore on a real file: when the final read-back runs (after a resume, or when asked),
// that it catches a target changed behind the journal's back, and that it names the damaged chunks
// and takes them out of the journal so that they are fetched again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allocChunkBuffer } from '@castpoint/chunking';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { AgentError } from '../errors';
import { libStoreOpener } from './lib-store';

const CHUNK = 4096;
const CHUNKS = 40;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function imageAndManifest(): { image: Buffer; manifest: Manifest } {
  const image = randomBytes(CHUNK * CHUNKS);
  const chunks: string[] = [];
  for (let c = 0; c < CHUNKS; c++) chunks.push(sha(image.subarray(c * CHUNK, (c + 1) * CHUNK)));
  return { image, manifest: { version: MANIFEST_VERSION, size: image.length, chunkSize: CHUNK, sha256: sha(image), chunks, zeroChunks: [] } };
}

/** Overwrites one byte of chunk `c` in the target file, as another program would. */
function tamper(target: string, c: number): void {
  const fd = openSync(target, 'r+');
  try {
    writeSync(fd, Buffer.from([0xee ^ (readFileSync(target)[c * CHUNK] ?? 0)]), 0, 1, c * CHUNK);
  } finally {
    closeSync(fd);
  }
}

describe('libStoreOpener read-back', () => {
  let dir: string;
  let target: string;
  let stateDir: string;
  const { image, manifest } = imageAndManifest();

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'castpoint-libstore-'));
    target = path.join(dir, 'disk.img');
    stateDir = path.join(dir, 'state');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (readBack?: boolean) =>
    libStoreOpener({ target, stateDir, stateDirGiven: true, ...(readBack === undefined ? {} : { readBack }) }).open(manifest);
  const write = async (store: Awaited<ReturnType<typeof open>>, chunks: Iterable<number>) => {
    for (const c of chunks) await store.writeChunk(c, image.subarray(c * CHUNK, (c + 1) * CHUNK));
  };
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

  it('a fresh run that wrote every chunk itself does not read the image back', async () => {
    const store = await open();
    await write(store, range(0, CHUNKS));
    const reads: number[] = [];
    await store.finish((n) => reads.push(n));
    expect(reads).toEqual([]);
    expect(readFileSync(target).equals(image)).toBe(true);
  });

  it('--read-back reads a fresh run back and names a changed chunk, which leaves the journal', async () => {
    const store = await open(true);
    await write(store, range(0, CHUNKS));
    tamper(target, 7);
    const reads: number[] = [];
    expect(await store.finish((n) => reads.push(n))).toEqual([7]);
    expect(reads.at(-1)).toBe(image.length);
    // Opened again, the target lacks exactly that chunk; written again, it verifies.
    const again = await open(true);
    expect(again.chunksDone()).toBe(CHUNKS - 1);
    expect(again.isDone(7)).toBe(false);
    await write(again, [7]);
    expect(await again.finish()).toEqual([]);
    expect(readFileSync(target).equals(image)).toBe(true);
  });

  it('a resumed run reads everything back: a journaled chunk changed between runs is found and fetched again', async () => {
    const first = await open();
    await write(first, range(0, 20));
    await first.close();
    // Chunk 1 is not among the 8 spot-checked at open (0, 3, 5, 8, 11, 14, 16, 19 of 20 done).
    tamper(target, 1);
    const second = await open();
    expect(second.chunksDone()).toBe(20);
    await write(second, range(20, CHUNKS));
    expect(await second.finish()).toEqual([1]);
    // Until 2026-11-24 this was exit 6 for good: every later run found the journal complete and
    // failed the same read-back.
    const third = await open();
    expect(third.chunksDone()).toBe(CHUNKS - 1);
    await write(third, [1]);
    expect(await third.finish()).toEqual([]);
    expect(readFileSync(target).equals(image)).toBe(true);
  });

  it('a zero chunk of a file changed behind the journal is written back as zeros', async () => {
    const zeroed = Buffer.from(image);
    zeroed.fill(0, 5 * CHUNK, 6 * CHUNK);
    const chunks = manifest.chunks.map((h, c) => (c === 5 ? sha(zeroed.subarray(5 * CHUNK, 6 * CHUNK)) : h));
    const m: Manifest = { ...manifest, sha256: sha(zeroed), chunks, zeroChunks: [5] };
    const opener = () => libStoreOpener({ target, stateDir, stateDirGiven: true }).open(m);
    const first = await opener();
    for (const c of range(0, 20)) if (c !== 5) await first.writeChunk(c, zeroed.subarray(c * CHUNK, (c + 1) * CHUNK));
    await first.close();
    tamper(target, 5); // the hole now holds a byte
    const second = await opener();
    for (const c of range(20, CHUNKS)) await second.writeChunk(c, zeroed.subarray(c * CHUNK, (c + 1) * CHUNK));
    expect(await second.finish()).toEqual([5]);
    const third = await opener();
    expect(third.isDone(5)).toBe(true); // zero chunks are never fetched: finish writes them
    expect(await third.finish()).toEqual([]);
    expect(readFileSync(target).equals(zeroed)).toBe(true);
  });

  it('an image whose chunks all match but whose whole hash does not: the manifest contradicts itself (exit 6)', async () => {
    const store = await libStoreOpener({ target, stateDir, stateDirGiven: true, readBack: true }).open({ ...manifest, sha256: sha(Buffer.from('other')) });
    await write(store, range(0, CHUNKS));
    const err = await store.finish().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('verification-failed');
  });

  it('a resumed run with an intact target passes its read-back', async () => {
    const first = await open();
    await write(first, range(0, 20));
    await first.close();
    const second = await open();
    await write(second, range(20, CHUNKS));
    const reads: number[] = [];
    await second.finish((n) => reads.push(n));
    expect(reads.at(-1)).toBe(image.length);
    expect(readFileSync(target).equals(image)).toBe(true);
  });

  it('direct I/O: chunks in page-aligned buffers, killed at half and resumed, read back intact', async () => {
    // 64 KiB chunks: whole aligned buffers, as the agent's pool makes them for 1 MiB chunks.
    const big = 65536;
    const data = randomBytes(big * 6 + 1000);
    const hashes: string[] = [];
    for (let o = 0; o < data.length; o += big) hashes.push(sha(data.subarray(o, o + big)));
    const m: Manifest = { version: MANIFEST_VERSION, size: data.length, chunkSize: big, sha256: sha(data), chunks: hashes, zeroChunks: [] };
    const notes: string[] = [];
    const openDirect = () => libStoreOpener({ target, stateDir, stateDirGiven: true, directIo: true, onInfo: (t) => notes.push(t) }).open(m);
    const put = async (store: Awaited<ReturnType<typeof openDirect>>, chunks: number[]) => {
      for (const c of chunks) {
        const piece = data.subarray(c * big, (c + 1) * big);
        const buf = allocChunkBuffer(piece.length);
        buf.set(piece);
        await store.writeChunk(c, buf);
      }
    };
    const first = await openDirect();
    await put(first, [0, 1, 2]);
    await first.close();
    const second = await openDirect();
    expect(second.chunksDone()).toBe(3);
    await put(second, [3, 4, 5, 6]);
    const reads: number[] = [];
    await second.finish((n) => reads.push(n));
    expect(reads.at(-1)).toBe(data.length);
    expect(readFileSync(target).equals(data)).toBe(true);
    // The second run wrote chunks 3-6: 3-5 whole (direct where the file system allows it), 6 short.
    expect(notes).toHaveLength(1);
    const [, direct, cached] = /^wrote (\d+) chunks by direct I\/O and (\d+) through the page cache$/.exec(notes[0] ?? '') ?? [];
    expect(Number(direct) + Number(cached)).toBe(4);
    expect(Number(cached)).toBeGreaterThanOrEqual(1);
  });
});
