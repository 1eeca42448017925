// Image roots through the API: an admin import can only name files inside --image-root
// directories (until 2026-12 any file the DP could read, /etc/shadow included, was imported and
// then downloadable with the client token).
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, ask, client, harnessPerTest } from '../testing/harness';

describe('image roots', () => {
  const make = harnessPerTest();
  const outside: string[] = [];
  afterEach(() => outside.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const outsideFile = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cp-dp-outside-'));
    outside.push(d);
    const f = join(d, 'secret.img');
    writeFileSync(f, 'not an image for anyone\n');
    return f;
  };
  const post = (h: Awaited<ReturnType<typeof make>>, file: string, name = 'img') =>
    h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name, file } });
  const images = async (h: Awaited<ReturnType<typeof make>>) => (await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json<Array<Record<string, unknown>>>();

  it.each([
    ['/etc/passwd', () => '/etc/passwd'],
    ['a file in another directory', () => outsideFile()],
  ])('refuses %s with 422 naming the roots, and imports nothing', async (_what, file) => {
    const h = await make();
    const r = await post(h, file());
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'DP_IMAGE_OUTSIDE_ROOTS' });
    expect(r.json<{ message: string }>().message).toContain(`not inside an image root (${h.dir})`);
    expect(await images(h)).toEqual([]);
  });

  it('refuses a path that climbs out with .. and a symlink inside a root that leads out', async () => {
    const h = await make();
    const secret = outsideFile();
    const climb = await post(h, `${h.dir}/../${secret.split('/').slice(-2).join('/')}`);
    expect(climb.statusCode).toBe(422);
    expect(climb.json()).toMatchObject({ error: 'DP_IMAGE_OUTSIDE_ROOTS' });
    symlinkSync(secret, join(h.dir, 'link.img'));
    const link = await post(h, join(h.dir, 'link.img'));
    expect(link.statusCode).toBe(422);
    expect(link.json<{ message: string }>().message).toContain(`${join(h.dir, 'link.img')} (which is ${secret})`);
    expect(await images(h)).toEqual([]);
  });

  it('never imports from the data directory (it holds the signing key and the database), except its images/ root', async () => {
    const h = await make(); // the root (h.dir) holds the data directory
    const r = await post(h, join(h.dir, 'data', 'dp-signing-key.pem'));
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'DP_IMAGE_OUTSIDE_ROOTS' });
  });

  it('imports through a symlink that stays inside, and stores the real path', async () => {
    const h = await make();
    symlinkSync(h.file, join(h.dir, 'alias.img'));
    const r = await post(h, join(h.dir, 'alias.img'));
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ file: h.file });
  });

  it('uses DATA_DIR/images by default, created at start (mode 0700)', async () => {
    const h = await make({ 'image-root': undefined });
    const root = join(h.dir, 'data', 'images');
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect((await post(h, h.file)).json<{ message: string }>().message).toContain(`not inside an image root (${root})`);
    writeFileSync(join(root, 'disk.img'), Buffer.alloc(1 << 20, 7));
    expect((await post(h, join(root, 'disk.img'))).statusCode).toBe(201);
  });

  it('takes several roots', async () => {
    const roots = [1, 2].map((n) => {
      const d = mkdtempSync(join(tmpdir(), 'cp-dp-root-'));
      outside.push(d);
      writeFileSync(join(d, `${n}.img`), Buffer.alloc(1 << 20, n));
      return d;
    });
    const h = await make({ 'image-root': roots });
    for (const [i, d] of roots.entries()) expect((await post(h, join(d, `${i + 1}.img`), `i${i}`)).statusCode).toBe(201);
    expect((await post(h, h.file)).statusCode).toBe(422);
  });

  it('keeps an image imported outside the roots listed but never serves it, until it is re-added from a root', async () => {
    const first = await make({}, undefined, (f) => f, 0, { persist: true });
    expect((await post(first, first.file, 'old')).statusCode).toBe(201);
    await first.app.close();
    // Restarted with a root that no longer holds the file (as after an upgrade from before roots).
    const root = join(first.dir, 'roots');
    mkdirSync(root);
    const h = await make({ 'image-root': root }, first.dir);
    expect(await images(h)).toEqual([expect.objectContaining({ name: 'old', outsideRoots: true })]);
    const start = await h.app.inject({ method: 'POST', url: '/api/v1/sessions', headers: admin, payload: { image: 'old' } });
    expect(start.statusCode).toBe(422);
    expect(start.json<{ message: string }>().message).toContain(`image old is not served: its file ${first.file} is not inside an image root (${root})`);
    const req = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'old', hostname: 'pc1' } });
    expect(req.statusCode).toBe(422);
    expect(req.json()).toMatchObject({ error: 'DP_IMAGE_OUTSIDE_ROOTS' });
    const dl = await h.app.inject({ method: 'GET', url: '/api/v1/agent/images/old/content', headers: client });
    expect(dl.statusCode).toBe(422);
    expect(dl.json()).toMatchObject({ error: 'DP_IMAGE_OUTSIDE_ROOTS' });
    expect(h.runners).toHaveLength(0);
    // Removed and added again from a root, it is served.
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/old', headers: admin })).statusCode).toBe(204);
    writeFileSync(join(root, 'disk.img'), Buffer.alloc(1 << 20, 3));
    expect((await post(h, join(root, 'disk.img'), 'old')).statusCode).toBe(201);
    expect((await images(h))[0]).not.toHaveProperty('outsideRoots');
    expect((await ask(h, 'old', 'pc1')).status).toBe('join');
  });

  it('does not resume a running session of an image now outside the roots', async () => {
    const first = await make({}, undefined, (f) => f, 0, { persist: true });
    expect((await post(first, first.file, 'old')).statusCode).toBe(201);
    expect((await ask(first, 'old', 'pc1')).status).toBe('join');
    await first.app.close();
    const root = join(first.dir, 'roots');
    mkdirSync(root);
    const h = await make({ 'image-root': root }, first.dir);
    expect(h.runners).toHaveLength(0);
    const sessions = (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: admin })).json<Array<Record<string, unknown>>>();
    expect(sessions).toEqual([expect.objectContaining({ image: 'old', state: 'failed', endReason: expect.stringContaining('image old is not served') as unknown })]);
  });
});
