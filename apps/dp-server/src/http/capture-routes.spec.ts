// Capture uploads through the API (app.inject): a plan, the data chunks only, a resume after the
// DP restarted, refusals that write nothing, and the finished image in GET /api/v1/images with its
// unused chunks in the manifest.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { chunkingImporter } from '../images/chunking-importer';
import type { CapturePlan } from '../images/capture-uploads';
import { admin, client, harness, patterned, type Harness } from '../testing/harness';

const CS = 4096;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
// 6 chunks: 0 data, 1 unused (never sent), 2 zero in use, 3 data, 4 unused, 5 short data tail.
const disk = Buffer.concat([patterned(CS, 1), patterned(CS, 9), Buffer.alloc(CS), patterned(CS, 3), patterned(CS, 8), patterned(1000, 5)]);
const chunk = (i: number): Buffer => disk.subarray(i * CS, Math.min(disk.length, (i + 1) * CS));
const DATA = [0, 3, 5];
const plan: CapturePlan = {
  name: 'ref',
  size: disk.length,
  chunkSize: CS,
  hashes: [0, 1, 2, 3, 4, 5].map((i) => (DATA.includes(i) ? sha(chunk(i)) : '')),
  unusedChunks: [1, 4],
  usedMap: { source: 'filesystem', reasons: ['partition 3: every block kept: no known filesystem signature'] },
};

const begin = (h: Harness, body: unknown = plan, headers = admin) => h.app.inject({ method: 'POST', url: '/api/v1/captures', headers, payload: body as object });
const put = (h: Harness, i: number, data: Buffer, name = 'ref') =>
  h.app.inject({ method: 'PUT', url: `/api/v1/captures/${name}/chunks/${i}`, headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: data });
const finish = (h: Harness) => h.app.inject({ method: 'POST', url: '/api/v1/captures/ref/finish', headers: admin });

let hs: Harness[] = [];
const start = async (dir?: string): Promise<Harness> => {
  const h = await harness({}, dir, undefined, 0, { importer: chunkingImporter() });
  hs.push(h);
  return h;
};
afterEach(async () => {
  for (const h of hs) await h.app.close().catch(() => undefined);
  hs = [];
});

it('uploads only the data chunks, resumes after a DP restart, and lists the image with its unused chunks', async () => {
  const h = await start();
  const first = await begin(h);
  expect(first.statusCode).toBe(200);
  expect(first.json()).toEqual({ name: 'ref', dataChunks: 3, missing: DATA });
  expect((await put(h, 0, chunk(0))).statusCode).toBe(204);
  // The DP stops before the rest arrives; a new one over the same directories resumes from the file.
  await h.app.close();
  hs = [];
  const h2 = await start(h.dir);
  expect((await begin(h2)).json()).toEqual({ name: 'ref', dataChunks: 3, missing: [3, 5] });
  for (const i of [3, 5]) expect((await put(h2, i, chunk(i))).statusCode).toBe(204);
  const done = await finish(h2);
  expect(done.statusCode).toBe(201);
  expect(done.json()).toMatchObject({ name: 'ref', size: disk.length, chunks: 6, file: join(h.dir, 'ref.img') });
  const list = (await h2.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json<Array<{ name: string }>>();
  expect(list.map((i) => i.name)).toContain('ref');
  // The manifest agents get: the plan's hashes, zero chunk 2 in use, unused 1 and 4, the map's source.
  const manifestHash = done.json<{ manifestHash: string }>().manifestHash;
  const m = JSON.parse(readFileSync(join(h.dir, 'data', 'manifests', `${manifestHash}.json`), 'utf8')) as Manifest;
  expect(m.zeroChunks).toEqual([2]);
  expect(m.unusedChunks).toEqual([1, 4]);
  expect(m.usedMap).toEqual(plan.usedMap);
  for (const i of DATA) expect(m.chunks[i]).toBe(sha(chunk(i)));
  // The DP's copy holds zeros where nothing was sent.
  const file = readFileSync(join(h.dir, 'ref.img'));
  expect(file.subarray(CS, 2 * CS).every((b) => b === 0)).toBe(true);
  expect(Buffer.compare(file.subarray(3 * CS, 4 * CS), chunk(3))).toBe(0);
  expect(existsSync(join(h.dir, '.castpoint-captures', 'ref'))).toBe(false);
});

it('refuses a chunk that is not in the plan, is unused, or does not hash right, writing nothing', async () => {
  const h = await start();
  await begin(h);
  const bad = Buffer.from(chunk(0));
  bad.writeUInt8(bad.readUInt8(7) ^ 1, 7);
  for (const [i, data, code] of [
    [0, bad, 'DP_CAPTURE_CHUNK_REFUSED'],
    [1, chunk(1), 'DP_CAPTURE_CHUNK_REFUSED'],
    [9, chunk(0), 'DP_CAPTURE_CHUNK_REFUSED'],
    [5, chunk(0), 'DP_CAPTURE_CHUNK_REFUSED'],
  ] as const) {
    const r = await put(h, i, data);
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: code });
  }
  expect((await begin(h)).json<{ missing: number[] }>().missing).toEqual(DATA);
  const early = await finish(h);
  expect(early.statusCode).toBe(409);
  expect(early.json()).toMatchObject({ error: 'DP_CAPTURE_INCOMPLETE' });
  expect((await put(h, 0, chunk(0), 'other')).json()).toMatchObject({ error: 'DP_CAPTURE_NOT_FOUND' });
});

it.each([
  ['a hash list of the wrong length', { hashes: ['', ''] }, /hashes lists 2 entries for 6 chunks/],
  ['an unused chunk with a hash', { unusedChunks: [0] }, /unused chunk 0 has a hash/],
  ['unused chunks out of order', { unusedChunks: [4, 1] }, /ascending/],
  ['a bad hash', { hashes: ['x', '', '', '', '', ''] }, /hashes\[0\]/],
  ['a chunk size that is not a multiple of 512', { chunkSize: 5000 }, /chunk size 5000/],
])('refuses a plan with %s (400)', async (_what, change, msg) => {
  const h = await start();
  const r = await begin(h, { ...plan, ...change });
  expect(r.statusCode).toBe(400);
  expect(r.json<{ message: string }>().message).toMatch(msg);
});

it('needs the admin token (the client token cannot capture) and refuses a name already taken', async () => {
  const h = await start();
  expect((await begin(h, plan, client)).statusCode).toBe(403);
  expect((await begin(h, plan, {} as typeof admin)).statusCode).toBe(401);
  await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'ref', file: h.file } });
  expect((await begin(h)).json()).toMatchObject({ error: 'DP_IMAGE_EXISTS' });
});

it('DELETE drops an upload: its staging files go, and beginning again starts from nothing', async () => {
  const h = await start();
  await begin(h);
  expect((await put(h, 0, chunk(0))).statusCode).toBe(204);
  expect(existsSync(join(h.dir, '.castpoint-captures', 'ref', 'image.partial'))).toBe(true);
  expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/captures/ref', headers: admin })).statusCode).toBe(204);
  expect(existsSync(join(h.dir, '.castpoint-captures', 'ref'))).toBe(false);
  expect((await put(h, 3, chunk(3))).json()).toMatchObject({ error: 'DP_CAPTURE_NOT_FOUND' });
  expect((await begin(h)).json<{ missing: number[] }>().missing).toEqual(DATA);
});
