// `image add --used-blocks` (POST /api/v1/images { usedBlocks: true }): a whole-disk file is mapped
// by libs/diskmap at import; chunks of free space become unused, and the manifest says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeGptDisk } from '@castpoint/diskmap/testing';
import type { Manifest } from '@castpoint/wire';
import { chunkingImporter } from '../images/chunking-importer';
import { admin, harness, type Harness } from '../testing/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

const manifestOf = (hh: Harness, hash: string): Manifest => JSON.parse(readFileSync(join(hh.dir, 'data', 'manifests', `${hash}.json`), 'utf8')) as Manifest;

it('maps a GPT disk file at import: free space becomes unused chunks; without the flag nothing changes', async () => {
  h = await harness({}, undefined, undefined, 0, { importer: chunkingImporter() });
  const disk = makeGptDisk(h.dir, [
    { fs: 'fat32', mib: 34, gptType: 'ef00' },
    { fs: 'ext4', mib: 16, gptType: '8300' },
  ], 'ref');
  const mapped = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'mapped', file: disk.path, usedBlocks: true } });
  expect(mapped.statusCode).toBe(201);
  const m = manifestOf(h, mapped.json<{ manifestHash: string }>().manifestHash);
  expect(m.usedMap).toEqual({ source: 'filesystem', reasons: [] });
  // 52 MiB disk, most of the FAT32 and ext4 space free: far more than half the chunks unused.
  expect(m.unusedChunks?.length ?? 0).toBeGreaterThan(m.chunks.length / 2);
  // Every file's first bytes lie in a chunk that is not unused.
  const bytes = readFileSync(disk.path);
  const unused = new Set(m.unusedChunks);
  for (const p of disk.partitions) for (const f of p.files) expect(unused.has(Math.floor(bytes.indexOf(f.data.subarray(0, 512)) / m.chunkSize))).toBe(false);

  const plain = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'plain', file: disk.path } });
  const pm = manifestOf(h, plain.json<{ manifestHash: string }>().manifestHash);
  expect(pm.unusedChunks).toBeUndefined();
  expect(pm.usedMap).toBeUndefined();
}, 60_000);
