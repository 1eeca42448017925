// Chunk kinds: data (sent, written), zero (written as zeros, not sent), unused (neither: the target
// keeps its old bytes, as partclone leaves free blocks alone). Old manifests stay valid and keep
// their hashes.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { BlockLayout } from './block-layout';
import { openTarget } from './image-writer';
import { applyUsedMap, importImage } from './import-image';
import { chunkKind, chunksTouched, encodeManifest, manifestHash, untransmittedChunks, validateManifest } from './manifest-codec';
import { fakeBlockStat, fakeSystem } from './testing/fake-system';
import { buildImage, referenceManifest, tempDir } from './testing/fixtures';
import { VolatileMachine } from './testing/volatile-disk';

const t = tempDir('kinds');
afterAll(() => t.cleanup());
const CS = 4096;
// chunks 0-1 data, 2-5 zero, 6-8 data (8 short): 9 chunks
const image = buildImage([{ zero: false, length: CS * 2 }, { zero: true, length: CS * 4 }, { zero: false, length: CS * 2 + 100 }], 5);
const plain = referenceManifest(image, CS);
// Chunks 1, 2, 4, 5 and 6 lie in free space per the map (2, 4, 5 read as zeros: still unused);
// zero chunk 3 and data chunks 0, 7, 8 are used.
const map = {
  source: 'filesystem' as const,
  reasons: ['partition 2: every block kept: no known filesystem signature'],
  used: [{ start: 0, length: 100 }, { start: 3 * CS + 10, length: 1 }, { start: 7 * CS + 5, length: 10 }, { start: 8 * CS, length: 1 }],
};
const withMap: Manifest = applyUsedMap(plain, map);
const chunk = (i: number): Buffer => image.subarray(i * CS, Math.min((i + 1) * CS, image.length));

describe('manifest', () => {
  it('a used-block map makes untouched chunks unused (zeros too) and records its source', () => {
    expect(withMap.unusedChunks).toEqual([1, 2, 4, 5, 6]);
    expect(withMap.zeroChunks).toEqual([3]);
    expect(withMap.usedMap).toEqual({ source: 'filesystem', reasons: map.reasons });
    expect([...Array(9).keys()].map((i) => chunkKind(withMap, i))).toEqual(['data', 'unused', 'unused', 'zero', 'unused', 'unused', 'unused', 'data', 'data']);
    expect(untransmittedChunks(withMap)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(validateManifest(withMap)).toEqual(withMap);
    expect([...chunksTouched([{ start: CS - 1, length: 2 }], 3 * CS, CS)]).toEqual([1, 1, 0]);
  });

  it('an old manifest encodes and hashes as before (no new keys), a new one round-trips', () => {
    expect(encodeManifest(plain)).toBe(JSON.stringify(plain));
    expect(manifestHash(validateManifest(JSON.parse(encodeManifest(plain))))).toBe(manifestHash(plain));
    const back = validateManifest(JSON.parse(encodeManifest(withMap)));
    expect(back).toEqual(withMap);
    expect(manifestHash(back)).not.toBe(manifestHash(plain));
  });

  it.each([
    ['unusedChunks not ascending', { unusedChunks: [6, 1] }, /unusedChunks\[1\] must be strictly ascending/],
    ['unusedChunks past the end', { unusedChunks: [9] }, /must be below the chunk count 9/],
    ['a chunk both zero and unused', { unusedChunks: [2] }, /unusedChunks and zeroChunks both list chunk 2/],
    ['usedMap source unknown', { usedMap: { source: 'guess', reasons: [] } }, /usedMap.source/],
    ['usedMap reasons not strings', { usedMap: { source: 'every-block', reasons: [1] } }, /usedMap.reasons/],
  ])('refuses %s', (_name, extra, msg) => {
    expect(() => validateManifest({ ...plain, ...extra })).toThrow(msg);
  });
});

it('the block layout gives unused chunks no blocks', () => {
  const layout = new BlockLayout(withMap, { symbolSize: 512, blockSymbols: 4 });
  expect(layout.transmittedChunks).toBe(3);
  expect([0, 1, 2].map((n) => layout.transmittedChunk(n))).toEqual([0, 7, 8]);
  expect(layout.chunkBlocks(1)).toBeUndefined();
  expect(layout.chunkBlocks(6)).toBeUndefined();
});

it('import with a used-block map lists the unused chunks', async () => {
  const path = join(t.dir, 'img.raw');
  writeFileSync(path, image);
  const r = await importImage(path, { chunkSize: CS, usedMap: map, workers: 0 });
  expect(r.manifest).toEqual(withMap);
});

describe('writer on a disk', () => {
  it('never writes unused chunks: the old bytes survive; finish and a resume spot check accept them', async () => {
    const root = join(t.dir, 'dev');
    execFileSync('mkdir', ['-p', root]);
    const probe = { ...fakeSystem(root, { diskBytes: 64 * 1024 }), statTarget: fakeBlockStat('8:0') };
    const disk = new VolatileMachine(64 * 1024);
    disk.durable.fill(0xee);
    const open = (): ReturnType<typeof openTarget> =>
      openTarget('/dev/sdz', withMap, { allowDevice: true, probe, stateDir: t.dir, openIo: async () => disk.io(), journalStore: disk.store() });
    const w = await open();
    expect(w.missingChunks()).toEqual([0, 7, 8]);
    // Only the first data chunk, then a crash-free close: resume must not drop the journal.
    await w.writeChunk(0, chunk(0));
    await w.close();
    const w2 = await open();
    expect(w2.warnings).toEqual([]);
    expect(w2.missingChunks()).toEqual([7, 8]);
    for (const i of w2.missingChunks()) await w2.writeChunk(i, chunk(i));
    await w2.finish();
    for (const u of [1, 2, 4, 5, 6]) expect(disk.durable.subarray(u * CS, (u + 1) * CS).every((b) => b === 0xee)).toBe(true);
    for (const z of [3]) expect(disk.durable.subarray(z * CS, (z + 1) * CS).every((b) => b === 0)).toBe(true);
    for (const d of [0, 7]) expect(Buffer.compare(disk.durable.subarray(d * CS, (d + 1) * CS), chunk(d))).toBe(0);
  });
});
