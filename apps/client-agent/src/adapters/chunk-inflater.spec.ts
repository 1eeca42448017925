// The real ChunkStore of a compressed image: chunks arrive as the DP stores them (zstd frames, raw
// where zstd could not shrink them), are decoded, hashed as raw bytes and written raw.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadZstd, type ChunkZstd } from '@castpoint/chunking';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { ChunkInflater } from './chunk-inflater';
import { libStoreOpener } from './lib-store';

const CHUNK = 4096;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Chunk 0 text (compresses), chunk 1 random (stored raw), chunk 2 text with a short tail. */
async function compressedImage(): Promise<{ image: Buffer; manifest: Manifest; stored: Buffer[] }> {
  const zstd = await loadZstd();
  const text = Buffer.from('systemd[1]: Started Session 4 of user admin.\n'.repeat(200));
  const image = Buffer.concat([text.subarray(0, CHUNK), randomBytes(CHUNK), text.subarray(0, 1000)]);
  const raws = [image.subarray(0, CHUNK), image.subarray(CHUNK, 2 * CHUNK), image.subarray(2 * CHUNK)];
  const stored = raws.map((r) => {
    const f = zstd.compress(r, 3);
    return f.length < r.length ? f : Buffer.from(r);
  });
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    size: image.length,
    chunkSize: CHUNK,
    sha256: sha(image),
    chunks: raws.map(sha),
    zeroChunks: [],
    compression: { codec: 'zstd', level: 3, sizes: stored.map((s) => s.length) },
  };
  return { image, manifest, stored };
}

describe('a compressed image through the real ChunkStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'castpoint-inflate-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([false, true])('decodes each stored chunk and writes the raw image (direct I/O %s)', async (directIo) => {
    const { image, manifest, stored } = await compressedImage();
    expect(stored[0]?.length).toBeLessThan(CHUNK / 4);
    expect(stored[1]?.length).toBe(CHUNK);
    const info: string[] = [];
    const target = path.join(dir, 'disk.img');
    const store = await libStoreOpener({ target, stateDir: path.join(dir, 'state'), stateDirGiven: true, directIo, onInfo: (t) => info.push(t) }).open(manifest);
    for (const [c, s] of stored.entries()) await store.writeChunk(c, s);
    expect(store.chunksDone()).toBe(3);
    expect(store.bytesDone()).toBe(image.length); // the journal and progress count raw chunks
    expect(await store.finish()).toEqual([]);
    expect(readFileSync(target).equals(image)).toBe(true);
    // Two frames decoded (the random chunk came raw): said once at the end with the time it took.
    expect(info.find((t) => t.startsWith('decompressed'))).toMatch(/^decompressed 2 chunks in \d+\.\d\d s \(longest \d+\.\d ms\)$/);
  });

  it('resumes from the journal in raw chunk units: a second run writes only what is missing, then reads back', async () => {
    const { image, manifest, stored } = await compressedImage();
    const target = path.join(dir, 'disk.img');
    const opener = libStoreOpener({ target, stateDir: path.join(dir, 'state'), stateDirGiven: true });
    const first = await opener.open(manifest);
    await first.writeChunk(0, stored[0] ?? Buffer.alloc(0));
    await first.writeChunk(2, stored[2] ?? Buffer.alloc(0));
    await first.close(); // journals chunks 0 and 2 (as a kill after the commit would leave them)
    const second = await opener.open(manifest);
    expect([0, 1, 2].map((c) => second.isDone(c))).toEqual([true, false, true]);
    await second.writeChunk(1, stored[1] ?? Buffer.alloc(0));
    const reads: number[] = [];
    // A resumed run reads the whole image back against the raw hashes.
    expect(await second.finish((n) => reads.push(n))).toEqual([]);
    expect(reads.at(-1)).toBe(image.length);
    expect(readFileSync(target).equals(image)).toBe(true);
  });

  it('refuses a frame that does not decode and one that decodes to other bytes, writing nothing', async () => {
    const { manifest, stored } = await compressedImage();
    const target = path.join(dir, 'disk.img');
    const store = await libStoreOpener({ target, stateDir: path.join(dir, 'state'), stateDirGiven: true }).open(manifest);
    const frame = stored[0] ?? Buffer.alloc(0);
    await expect(store.writeChunk(0, frame.subarray(0, frame.length - 2))).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED', data: { chunk: 0 } });
    // Chunk 2's frame handed over as chunk 0: a valid frame, of another length.
    await expect(store.writeChunk(0, stored[2] ?? Buffer.alloc(0))).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED' });
    // The random chunk's raw bytes as chunk 0 (same length, so taken as stored raw): wrong hash.
    await expect(store.writeChunk(0, stored[1] ?? Buffer.alloc(0))).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_HASH_MISMATCH' });
    expect(store.isDone(0)).toBe(false);
    await store.close();
    expect(readFileSync(target).subarray(0, CHUNK).every((b) => b === 0)).toBe(true);
  });

  it('is only made for a compressed manifest, and counts what it decoded', async () => {
    const { manifest, stored } = await compressedImage();
    expect(await ChunkInflater.forManifest({ ...manifest, compression: undefined }, { directIo: false })).toBeUndefined();
    let t = 0;
    const inflater = await ChunkInflater.forManifest(manifest, { directIo: false, nowMs: () => (t += 5) });
    inflater?.inflate(0, stored[0] ?? Buffer.alloc(0));
    inflater?.inflate(1, stored[1] ?? Buffer.alloc(0)); // raw: nothing to decode
    expect(inflater?.stats()).toEqual({ chunks: 1, totalMs: 5, longestMs: 5 });
  });

  it('does not load the decoder for an image whose chunks are all stored raw, and refuses a frame there', async () => {
    const { manifest, stored } = await compressedImage();
    let loads = 0;
    const counting = (): Promise<ChunkZstd> => {
      loads++;
      return loadZstd();
    };
    // Chunk 1 is random, stored raw: a manifest of such chunks (and a zero chunk) has no frame.
    const raw: Manifest = { ...manifest, compression: { codec: 'zstd', level: 3, sizes: [CHUNK, CHUNK, 0] } };
    const inflater = await ChunkInflater.forManifest(raw, { directIo: false, loadZstd: counting });
    expect(loads).toBe(0);
    expect(inflater?.inflate(1, stored[1] ?? Buffer.alloc(0)).raw).toBe(stored[1]);
    expect(() => inflater?.inflate(0, stored[0] ?? Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_DECOMPRESS_FAILED', data: expect.objectContaining({ chunk: 0 }) }));
    // One frame in the image: the decoder is loaded, once.
    await ChunkInflater.forManifest(manifest, { directIo: false, loadZstd: counting });
    expect(loads).toBe(1);
  });
});
