// A 64 MiB image added with the real importer (compressed by default, in worker threads): the DP
// keeps answering while it imports, GET /api/v1/imports shows the bytes read growing, and the
// image ends up compressed. That the work ran on other threads and left this thread's event loop
// idle is shown in libs/chunking (import-workers.spec.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { chunkingImporter } from './chunking-importer';
import { admin, harness, patterned, type Harness } from '../testing/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

const MiB = 1 << 20;

it('answers requests while a 64 MiB import is under way, with its progress, and the image comes out compressed', async () => {
  h = await harness({}, undefined, undefined, 0, { importer: chunkingImporter() });
  const file = join(h.dir, 'big.img');
  // 16 symbols: zstd stores ~0.6 of it and takes real work (a second or more of a core).
  writeFileSync(file, patterned(64 * MiB, 5).map((b) => 0x40 | (b & 0x0f)));

  let done = false;
  const adding = h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'big', file } }).finally(() => (done = true));
  const seen: number[] = [];
  let answered = 0;
  while (!done) {
    // inject() alone may settle without a macrotask turn: let the import's file reads in too.
    await new Promise((r) => setImmediate(r));
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/imports', headers: admin });
    expect(r.statusCode).toBe(200);
    const listed = r.json<{ name: string; bytesDone: number; size: number }[]>().find((i) => i.name === 'big');
    if (listed === undefined) continue; // not begun yet, or just ended
    answered++;
    expect(listed.size).toBe(64 * MiB);
    seen.push(listed.bytesDone);
  }
  const res = await adding;
  expect(res.statusCode).toBe(201);
  // Answered throughout, and the bytes read grew through values between none and all.
  expect(answered).toBeGreaterThanOrEqual(10);
  expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  expect(new Set(seen.filter((b) => b > 0 && b < 64 * MiB)).size).toBeGreaterThanOrEqual(1);

  const hash = res.json<{ manifestHash: string }>().manifestHash;
  const m = JSON.parse(readFileSync(join(h.dir, 'data', 'manifests', `${hash}.json`), 'utf8')) as Manifest;
  expect(m.compression?.level).toBe(3);
  expect(existsSync(join(h.dir, 'data', 'packs', `${hash}.zst.idx`))).toBe(true);
}, 180_000);
