import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_VERSION, type Manifest } from '@castpoint/wire';
import { openTarget } from './image-writer';
import { decodeJournal } from './journal';
import { fakeBlockStat, fakeSystem } from './testing/fake-system';
import { buildImage, expectSameBytes, referenceManifest, seededBytes, sha256, tempDir } from './testing/fixtures';
import { canLoop, withLoopDevice } from './testing/loop-device';
import { VolatileMachine } from './testing/volatile-disk';

const t = tempDir('writer');
afterAll(() => t.cleanup());
const CS = 4096;
// data, 4 zero chunks, data, short tail: 9 chunks, 4 of them zero
const image = buildImage([{ zero: false, length: CS * 2 }, { zero: true, length: CS * 4 }, { zero: false, length: CS * 2 + 100 }], 3);
const manifest = referenceManifest(image, CS);
const chunk = (i: number): Buffer => image.subarray(i * CS, Math.min((i + 1) * CS, image.length));

describe('ImageWriter on a regular file', () => {
  it('creates a sparse file, writes verified chunks, leaves zero chunks as holes, and finishes', async () => {
    const path = join(t.dir, 'out.img');
    const w = await openTarget(path, manifest);
    expect(w.kind).toBe('new-file');
    expect(statSync(path).size).toBe(image.length); // created at its final size before any chunk
    expect(w.missingChunks()).toEqual([0, 1, 6, 7, 8]);
    // Out of order and concurrently.
    expect(await Promise.all([8, 0, 7, 1, 6].map((i) => w.writeChunk(i, chunk(i))))).toEqual([true, true, true, true, true]);
    expect(await w.writeChunk(0, chunk(0))).toBe(false); // already written
    const r = await w.finish();
    expect(r).toEqual({ chunks: 9, writtenChunks: 5, resumedChunks: 0 });
    expectSameBytes(readFileSync(path), image);
    // 4 zero chunks of 4 KiB are holes: allocated space is below the file size.
    expect(statSync(path).blocks * 512).toBeLessThanOrEqual(image.length - 4 * CS + CS);
    expect(existsSync(`${path}.castpoint-journal`)).toBe(true);
  });

  it('verifies before writing: a corrupt chunk is refused and nothing is written', async () => {
    const path = join(t.dir, 'corrupt.img');
    const w = await openTarget(path, manifest);
    const bad = Buffer.from(chunk(1));
    bad.writeUInt8(bad.readUInt8(5) ^ 1, 5);
    await expect(w.writeChunk(1, bad)).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_HASH_MISMATCH', data: { chunk: 1, expected: manifest.chunks[1] } });
    await expect(w.writeChunk(1, chunk(1).subarray(1))).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_LENGTH_MISMATCH' });
    await expect(w.writeChunk(9, chunk(1))).rejects.toMatchObject({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' });
    await w.commit();
    expect(readFileSync(path).subarray(CS, 2 * CS).every((b) => b === 0)).toBe(true);
    expect(w.missingChunks()).toContain(1);
    await expect(w.finish()).rejects.toMatchObject({ code: 'CHUNKING_INCOMPLETE', data: { missing: 5 } });
    await w.close();
    await expect(w.writeChunk(0, chunk(0))).rejects.toMatchObject({ code: 'CHUNKING_WRITER_CLOSED' });
  });

  it('resumes from the journal, skipping done chunks; a different manifest drops the journal', async () => {
    const path = join(t.dir, 'resume.img');
    const w1 = await openTarget(path, manifest, { commitEvery: 2 });
    await w1.writeChunk(0, chunk(0));
    await w1.writeChunk(7, chunk(7));
    await w1.close();
    const w2 = await openTarget(path, manifest);
    expect(w2.resumedChunks).toBe(2 + 4); // two written + four zero chunks (holes)
    expect(w2.warnings).toEqual([]);
    expect(w2.isDone(7)).toBe(true);
    expect(w2.missingChunks()).toEqual([1, 6, 8]);
    expect(await w2.writeChunk(7, chunk(7))).toBe(false);
    for (const i of w2.missingChunks()) await w2.writeChunk(i, chunk(i));
    expect(await w2.finish()).toEqual({ chunks: 9, writtenChunks: 3, resumedChunks: 6 });
    expectSameBytes(readFileSync(path), image);

    const other = referenceManifest(buildImage([{ zero: false, length: CS * 3 }], 99), CS);
    const w3 = await openTarget(path, other);
    expect(w3.resumedChunks).toBe(0);
    expect(w3.warnings).toEqual([expect.stringMatching(/another image/)]);
    expect(statSync(path).size).toBe(other.size);
    expect(readFileSync(path).every((b) => b === 0)).toBe(true); // recreated: old content gone
    await w3.close();
  });

  it('commits also at the first write 2 s after the last commit, synced before journaled (injected clock)', async () => {
    // Issue 21.7: with only "every 32 chunks", a slow link lost minutes of work to a power cut.
    const machine = new VolatileMachine(0);
    let now = 1_000;
    const w = await openTarget(join(t.dir, 'interval.img'), manifest, { openIo: async () => machine.io(), journalStore: machine.store(), now: () => now });
    const journaled = (): number[] => {
      // What a power cut would leave: the journal last renamed into place (durable holds only synced bytes).
      const [data] = [...machine.files.values()];
      const j = data === undefined ? undefined : decodeJournal(data);
      if (j === undefined || 'damaged' in j) throw new Error('no journal');
      return [...Array(j.chunkCount).keys()].filter((i) => ((j.bitmap[i >> 3] ?? 0) >> (i & 7)) & 1);
    };
    await w.writeChunk(0, chunk(0));
    now += 1_999;
    await w.writeChunk(1, chunk(1));
    expect(journaled()).toEqual([]); // within 2 s of opening: nothing committed yet
    now += 1;
    await w.writeChunk(6, chunk(6));
    // 2 s since the last commit: chunks 0, 1, 6 and the zero chunks (holes) are journaled, and the
    // bytes of every journaled chunk survived the "power cut" (synced first).
    expect(journaled()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const i of [0, 1, 6]) expect(sha256(machine.durable.subarray(i * CS, (i + 1) * CS))).toBe(manifest.chunks[i]);
    now += 500;
    await w.writeChunk(7, chunk(7));
    expect(journaled()).toEqual([0, 1, 2, 3, 4, 5, 6]); // the interval runs from that commit
    now += 1_500;
    await w.writeChunk(8, chunk(8));
    expect(journaled()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await w.close();
  });

  it('refuses a commit interval that is not a positive number', async () => {
    await expect(openTarget(join(t.dir, 'bad-interval.img'), manifest, { commitIntervalMs: 0 })).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION', data: { field: 'commitIntervalMs' } });
  });

  it('drops the journal when a journaled chunk no longer matches on disk (spot check on resume)', async () => {
    const path = join(t.dir, 'edited.img');
    const w1 = await openTarget(path, manifest);
    for (const i of w1.missingChunks()) await w1.writeChunk(i, chunk(i));
    await w1.finish();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('edited'), 0, 6, 7 * CS + 10);
    closeSync(fd);
    const w2 = await openTarget(path, manifest);
    expect(w2.resumedChunks).toBe(0);
    expect(w2.warnings).toEqual([expect.stringContaining('chunk 7')]);
    expect(w2.missingChunks()).toEqual([0, 1, 6, 7, 8]);
    for (const i of w2.missingChunks()) await w2.writeChunk(i, chunk(i));
    await w2.finish();
    expectSameBytes(readFileSync(path), image);
  });

  it('keeps the journal in a state directory when asked', async () => {
    const path = join(t.dir, 'state.img');
    const w = await openTarget(path, manifest, { stateDir: t.dir });
    for (const i of w.missingChunks()) await w.writeChunk(i, chunk(i));
    await w.finish();
    expect(existsSync(`${path}.castpoint-journal`)).toBe(false);
    const again = await openTarget(path, manifest, { stateDir: t.dir });
    expect(again.resumedChunks).toBe(9);
    await again.finish();
  });

  it('writes an empty image', async () => {
    const empty = referenceManifest(Buffer.alloc(0), CS);
    const w = await openTarget(join(t.dir, 'empty.img'), empty);
    expect(await w.finish()).toEqual({ chunks: 0, writtenChunks: 0, resumedChunks: 0 });
    expect(statSync(join(t.dir, 'empty.img')).size).toBe(0);
  });

  it('writes at offsets past 4 GiB into a sparse file', async () => {
    const cs = 1024 * 1024;
    const tail = seededBytes(cs + 1234, 4);
    const zero = createHash('sha256').update(Buffer.alloc(cs)).digest('hex');
    const big: Manifest = {
      version: MANIFEST_VERSION,
      size: 4096 * cs + tail.length,
      chunkSize: cs,
      sha256: '0'.repeat(64),
      chunks: [...Array.from({ length: 4096 }, () => zero), sha256(tail.subarray(0, cs)), sha256(tail.subarray(cs))],
      zeroChunks: Array.from({ length: 4096 }, (_, i) => i),
    };
    const path = join(t.dir, 'big.img');
    const w = await openTarget(path, big);
    await w.writeChunk(4097, tail.subarray(cs));
    await w.writeChunk(4096, tail.subarray(0, cs));
    await w.finish();
    expect(statSync(path).size).toBe(big.size);
    expect(statSync(path).blocks * 512).toBeLessThan(8 * cs); // sparse
    const back = Buffer.alloc(tail.length);
    const fd = openSync(path, 'r');
    readSync(fd, back, 0, back.length, 4096 * cs);
    closeSync(fd);
    expectSameBytes(back, tail);
  });
});

describe('ImageWriter on a block device', () => {
  it('needs a state directory for the journal, and writes zeros for zero chunks', async () => {
    const root = join(t.dir, 'dev');
    const probe = { ...fakeSystem((execFileSync('mkdir', ['-p', root]), root), { diskBytes: 64 * 1024 }), statTarget: fakeBlockStat('8:0') };
    await expect(openTarget('/dev/sdz', manifest, { allowDevice: true, probe })).rejects.toMatchObject({ code: 'CHUNKING_STATE_DIR_REQUIRED' });
    const disk = new VolatileMachine(64 * 1024);
    disk.durable.fill(0xee); // old disk content that zero chunks must overwrite
    const w = await openTarget('/dev/sdz', manifest, { allowDevice: true, probe, stateDir: t.dir, openIo: async () => disk.io(), journalStore: disk.store() });
    expect(w.kind).toBe('block');
    for (const i of w.missingChunks()) await w.writeChunk(i, chunk(i));
    const zeroProgress: Array<[number, number]> = [];
    await w.finish((n, total) => zeroProgress.push([n, total]));
    expectSameBytes(disk.durable.subarray(0, image.length), image);
    expect(disk.durable.subarray(image.length).every((b) => b === 0xee)).toBe(true); // past the image: untouched
    // One progress call per zero chunk written, up to the zero bytes' total.
    const zeroBytes = manifest.zeroChunks.length * CS;
    expect(zeroProgress).toHaveLength(manifest.zeroChunks.length);
    expect(zeroProgress.at(-1)).toEqual([zeroBytes, zeroBytes]);
  });

  (canLoop ? it : it.skip)(`writes to a real loop device${canLoop ? '' : ' (skipped: needs root and losetup)'}`, async () => {
    const backing = join(t.dir, 'loop-backing.img');
    writeFileSync(backing, Buffer.alloc(64 * 1024, 0xee));
    const ran = await withLoopDevice(backing, async (dev) => {
      await expect(openTarget(dev, manifest, { stateDir: t.dir })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_DEVICE_NOT_ALLOWED' });
      const big = referenceManifest(Buffer.alloc(64 * 1024 + 512), CS);
      await expect(openTarget(dev, big, { stateDir: t.dir, allowDevice: true })).rejects.toMatchObject({ code: 'CHUNKING_TARGET_TOO_SMALL' });
      const w = await openTarget(dev, manifest, { allowDevice: true, stateDir: t.dir });
      expect(w.kind).toBe('block');
      for (const i of w.missingChunks()) await w.writeChunk(i, chunk(i));
      await w.finish();
    });
    if (!ran) return;
    const back = readFileSync(backing);
    expectSameBytes(back.subarray(0, image.length), image);
    expect(back.subarray(image.length).every((b) => b === 0xee)).toBe(true);
  });
});
