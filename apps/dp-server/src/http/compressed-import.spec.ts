// `image add [--no-compress] [--compress-level N]` (POST /api/v1/images { compress, compressLevel }):
// by default stored chunks are compressed with zstd into a chunk pack in DATA_DIR named by the
// manifest hash, its index beside it; the DP's compress-level sets the default level, or off.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadZstd, openChunkPack, packIndexPath } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import { chunkingImporter } from '../images/chunking-importer';
import { admin, ask, client, harness, type Harness } from '../testing/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

const MiB = 1 << 20;
const manifestOf = (hh: Harness, hash: string): Manifest => JSON.parse(readFileSync(join(hh.dir, 'data', 'manifests', `${hash}.json`), 'utf8')) as Manifest;
const packOf = (hh: Harness, hash: string): string => join(hh.dir, 'data', 'packs', `${hash}.zst`);

/** 3 MiB: text, zeros, text; the image file lives in the harness's image root. */
function writeImage(hh: Harness): string {
  const line = 'a line of an OS image log file, compressible as such files are\n';
  const text = Buffer.from(line.repeat(Math.ceil(MiB / line.length))).subarray(0, MiB);
  const path = join(hh.dir, 'disk.img');
  writeFileSync(path, Buffer.concat([text, Buffer.alloc(MiB), text]));
  return path;
}

it('compresses at import into a pack that decodes to the image; plain import of the same file is unchanged', async () => {
  h = await harness({}, undefined, undefined, 0, { importer: chunkingImporter() });
  const file = writeImage(h);
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'packed', file, compress: true, compressLevel: 5 } });
  expect(res.statusCode).toBe(201);
  const hash = res.json<{ manifestHash: string }>().manifestHash;
  const m = manifestOf(h, hash);
  expect(m.compression).toMatchObject({ codec: 'zstd', level: 5 });
  expect(m.compression?.sizes[1]).toBe(0);
  expect(statSync(packOf(h, hash)).size).toBe((m.compression?.sizes ?? []).reduce((a, b) => a + b, 0));
  expect(existsSync(join(h.dir, 'data', 'packs', 'packed.importing.zst'))).toBe(false);
  const zstd = await loadZstd();
  const pack = await openChunkPack(packOf(h, hash), m);
  const raw = readFileSync(file);
  expect(zstd.decompress(await pack.readFrame(2), 2, MiB, m.chunks[2] ?? '').equals(raw.subarray(2 * MiB))).toBe(true);
  await pack.close();

  const plain = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'plain', file, compress: false } });
  const pm = manifestOf(h, plain.json<{ manifestHash: string }>().manifestHash);
  expect(pm.compression).toBeUndefined();
  expect(pm.chunks).toEqual(m.chunks);

  // Removing the image removes its pack and the pack's index.
  expect(existsSync(packIndexPath(packOf(h, hash)))).toBe(true);
  expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/packed', headers: admin })).statusCode).toBeLessThan(300);
  expect(existsSync(packOf(h, hash))).toBe(false);
  expect(existsSync(packIndexPath(packOf(h, hash)))).toBe(false);
}, 60_000);

it.each([
  ['compresses by default at level 3', {}, {}, 3],
  ['a level alone compresses at it', {}, { compressLevel: 7 }, 7],
  ['compress: false stores it raw', {}, { compress: false }, undefined],
  ["the DP's compress-level is the default level", { 'compress-level': '9' }, {}, 9],
  ['compress-level off: raw unless asked', { 'compress-level': 'off' }, {}, undefined],
  ['compress-level off, compress: true: level 3', { 'compress-level': 'off' }, { compress: true }, 3],
] as [string, Record<string, unknown>, Record<string, unknown>, number | undefined][])('%s', async (_name, flags, body, level) => {
  h = await harness(flags, undefined, undefined, 0, { importer: chunkingImporter() });
  const file = writeImage(h);
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'img', file, ...body } });
  expect(res.statusCode).toBe(201);
  const hash = res.json<{ manifestHash: string }>().manifestHash;
  expect(manifestOf(h, hash).compression?.level).toBe(level);
  expect(existsSync(packOf(h, hash))).toBe(level !== undefined);
  expect(existsSync(packIndexPath(packOf(h, hash)))).toBe(level !== undefined);
}, 60_000);

it.each([
  ['a level above 22', { compress: true, compressLevel: 23 }],
  ['a level with compress: false', { compress: false, compressLevel: 3 }],
  ['a non-integer level', { compress: true, compressLevel: 2.5 }],
])('refuses %s with 400 and imports nothing', async (_name, extra) => {
  h = await harness({}, undefined, undefined, 0, { importer: chunkingImporter() });
  const file = writeImage(h);
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'bad', file, ...extra } });
  expect(res.statusCode).toBe(400);
  expect(res.body).toMatch(/compressLevel/);
  expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json()).toEqual([]);
});

describe('unicast of a compressed image', () => {
  it('names the chunk pack as the content path of join and fallback replies, and serves it with HTTP Range', async () => {
    h = await harness({ 'max-clients': 1 }, undefined, undefined, 0, { importer: chunkingImporter() });
    const file = writeImage(h);
    const add = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'packed', file, compress: true } });
    expect(add.statusCode).toBe(201);
    const hash = add.json<{ manifestHash: string }>().manifestHash;
    const url = '/api/v1/agent/images/packed/pack';
    const join = await ask(h, 'packed', 'pc1');
    expect(join).toMatchObject({ status: 'join', session: { contentPath: url } });
    // The session's runner is given the pack: it sends the stored frames, not the image's bytes.
    expect(h.runners[0]?.spec.packFile).toBe(packOf(h, hash));
    expect(await ask(h, 'packed', 'pc2')).toMatchObject({ status: 'fallback', contentPath: url });
    const pack = readFileSync(packOf(h, hash));
    const sizes = manifestOf(h, hash).compression?.sizes ?? [];
    // Chunk 2's frame: after chunk 0's frame and the zero chunk 1's (none).
    const start = sizes[0] ?? 0;
    const end = start + (sizes[2] ?? 0) - 1;
    const part = await h.app.inject({ method: 'GET', url, headers: { ...client, range: `bytes=${start}-${end}` } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${pack.length}`);
    expect(part.rawPayload.equals(pack.subarray(start, end + 1))).toBe(true);
    expect((await h.app.inject({ method: 'GET', url, headers: { ...client, range: `bytes=${pack.length}-` } })).statusCode).toBe(416);
    expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    // A pack cut short is not this manifest's: refused, never served.
    writeFileSync(packOf(h, hash), pack.subarray(1));
    const cut = await h.app.inject({ method: 'GET', url, headers: { ...client, range: 'bytes=0-9' } });
    expect(cut.statusCode).toBe(422);
    expect(cut.body).toMatch(/re-add the image/);
  }, 60_000);

  it('refuses the pack of an image imported with --no-compress, and of a multicast-only one', async () => {
    h = await harness({}, undefined, undefined, 0, { importer: chunkingImporter() });
    const file = writeImage(h);
    await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'plain', file, compress: false } });
    await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'strict', file, multicastOnly: true } });
    const plain = await h.app.inject({ method: 'GET', url: '/api/v1/agent/images/plain/pack', headers: { ...client, range: 'bytes=0-9' } });
    expect(plain.statusCode).toBe(422);
    expect(plain.body).toMatch(/with --no-compress/);
    expect(await ask(h, 'plain', 'pc1')).toMatchObject({ status: 'join', session: { contentPath: '/api/v1/agent/images/plain/content' } });
    expect(h.runners[0]?.spec.packFile).toBeUndefined();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/agent/images/strict/pack', headers: { ...client, range: 'bytes=0-9' } })).statusCode).toBe(403);
  }, 60_000);
});
