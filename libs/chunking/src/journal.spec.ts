import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, decodeJournal, encodeJournal } from './journal';
import { tempDir } from './testing/fixtures';

const t = tempDir('journal');
afterAll(() => t.cleanup());
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('journal encoding', () => {
  it('round-trips and detects damage', () => {
    const bitmap = new Uint8Array([0b1010_0101, 0b0000_0001]);
    const enc = encodeJournal(A, 9, bitmap);
    expect(enc.length).toBe(4 + 32 + 4 + 2 + 32);
    expect(decodeJournal(enc)).toEqual({ manifestHash: A, chunkCount: 9, bitmap });
    const flipped = Buffer.from(enc);
    flipped.writeUInt8(flipped.readUInt8(41) ^ 1, 41);
    expect(decodeJournal(flipped)).toEqual({ damaged: 'its checksum does not match' });
    expect(decodeJournal(enc.subarray(0, 20))).toEqual({ damaged: 'it is too short' });
    expect(decodeJournal(Buffer.concat([Buffer.from('XXXX'), enc.subarray(4)]))).toEqual({ damaged: 'it is not a castpoint journal' });
  });
});

describe('Journal on real files', () => {
  it('starts fresh, flushes atomically, and resumes with the same manifest', async () => {
    const path = join(t.dir, 'j1');
    const { journal, resumedChunks, warning } = await Journal.open(path, A, 20);
    expect([resumedChunks, warning]).toEqual([0, undefined]);
    journal.markDone([0, 7, 19, 7]);
    expect(existsSync(path)).toBe(false); // nothing durable before flush
    await journal.flush();
    expect(existsSync(`${path}.tmp`)).toBe(false);
    const again = await Journal.open(path, A, 20);
    expect(again.resumedChunks).toBe(3);
    expect([0, 7, 19].every((c) => again.journal.has(c))).toBe(true);
    expect(again.journal.has(1)).toBe(false);
    expect(again.journal.complete).toBe(false);
  });

  it('forgets chunks found damaged, durably, and only those', async () => {
    const path = join(t.dir, 'j-forget');
    const { journal } = await Journal.open(path, A, 12);
    journal.markDone([0, 1, 2, 9, 11]);
    await journal.flush();
    journal.forget([1, 9, 5]); // 5 was never done: nothing to forget
    expect(journal.doneCount).toBe(3);
    await journal.flush();
    const again = await Journal.open(path, A, 12);
    expect(again.resumedChunks).toBe(3);
    expect([0, 1, 2, 5, 9, 11].map((c) => again.journal.has(c))).toEqual([true, false, true, false, false, true]);
  });

  it('drops a journal of another manifest with a warning', async () => {
    const path = join(t.dir, 'j2');
    const first = await Journal.open(path, A, 4);
    first.journal.markDone([1]);
    await first.journal.flush();
    const other = await Journal.open(path, B, 4);
    expect(other.resumedChunks).toBe(0);
    expect(other.warning).toMatch(/another image.*dropped/);
    expect(other.journal.has(1)).toBe(false);
  });

  it('drops a damaged journal with a warning', async () => {
    const path = join(t.dir, 'j3');
    const first = await Journal.open(path, A, 4);
    first.journal.markDone([1]);
    await first.journal.flush();
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(40) ^ 0xff, 40);
    writeFileSync(path, bytes);
    const again = await Journal.open(path, A, 4);
    expect(again.warning).toMatch(/checksum/);
    expect(again.resumedChunks).toBe(0);
  });

  it('rejects out-of-range chunks and a bad manifest hash; reports a journal it cannot write', async () => {
    const { journal } = await Journal.open(join(t.dir, 'j4'), A, 4);
    expect(() => journal.markDone([4])).toThrow(expect.objectContaining({ code: 'CHUNKING_CHUNK_OUT_OF_RANGE' }));
    await expect(Journal.open(join(t.dir, 'j5'), 'xyz', 4)).rejects.toMatchObject({ code: 'CHUNKING_BAD_OPTION' });
    const bad = await Journal.open(join(t.dir, 'no-dir', 'j'), A, 4);
    bad.journal.markDone([0]);
    await expect(bad.journal.flush()).rejects.toMatchObject({ code: 'CHUNKING_JOURNAL_IO' });
    await expect(Journal.open(t.dir, A, 4)).rejects.toMatchObject({ code: 'CHUNKING_JOURNAL_IO' }); // a directory
  });
});
