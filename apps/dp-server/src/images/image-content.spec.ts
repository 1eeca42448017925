// `image add --kind wim [--index N]`: checked against the WIM's own header and XML at import, kept
// on the image, shown by `image list` and handed to agents in the join and fallback replies.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testIo } from '../testing/cli-io';
import { ADMIN, admin, ask, harnessPerTest, type Harness } from '../testing/harness';
import { imageAdd, imageList } from '../cli/image-commands';

const api = { server: 'http://dp.test:8080', token: ADMIN };

/** A two-image WIM captured by wimlib from a small tree, inside the harness's image root. */
function captureWim(h: Harness): string {
  const tree = join(h.dir, 'tree');
  mkdirSync(join(tree, 'Windows', 'System32'), { recursive: true });
  writeFileSync(join(tree, 'Windows', 'System32', 'a.dll'), Buffer.alloc(10_000, 3));
  const wim = join(h.dir, 'install.wim');
  execFileSync('wimlib-imagex', ['capture', tree, wim, 'Home'], { stdio: 'ignore' });
  writeFileSync(join(tree, 'pro.txt'), 'pro edition\n');
  execFileSync('wimlib-imagex', ['append', tree, wim, 'Pro'], { stdio: 'ignore' });
  return wim;
}

describe('image kind wim', () => {
  const make = harnessPerTest();

  it('keeps kind and index with the image, lists them and gives them to agents with the manifest', async () => {
    const h = await make();
    const io = testIo(h.app);
    await imageAdd({ ...api, name: 'win11', file: captureWim(h), kind: 'wim', index: '2' }, io);
    expect(io.stdout.join('')).toMatch(/^added image win11: WIM image 2 \(9\.8 KiB of files\), /);
    await imageAdd({ ...api, name: 'raw', file: h.file }, io);
    io.stdout.length = 0;
    await imageList(api, io);
    const lines = io.stdout.join('').split('\n');
    expect(lines[0]).toMatch(/^NAME +KIND +SIZE /);
    expect(lines[1]).toMatch(/^raw +disk +/);
    expect(lines[2]).toMatch(/^win11 +wim:2 +/);
    const join_ = await ask(h, 'win11', 'pc1');
    expect(join_).toMatchObject({ status: 'join', content: { kind: 'wim', index: 2, totalBytes: 10_012 } });
    expect(await ask(h, 'raw', 'pc2')).not.toHaveProperty('content');
  });

  it('refuses an index the WIM lacks and a file that is no WIM (422, nothing added)', async () => {
    const h = await make();
    const wim = captureWim(h);
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'w', file: wim, kind: 'wim', wimIndex: 3 } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'CHUNKING_WIM_INVALID', message: expect.stringContaining('has no image 3 (it holds 1 (Home), 2 (Pro))') });
    const notWim = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'w', file: h.file, kind: 'wim' } });
    expect(notWim.statusCode).toBe(422);
    expect(notWim.json()).toMatchObject({ error: 'CHUNKING_WIM_INVALID', message: expect.stringContaining('no MSWIM signature') });
    const noKind = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'w', file: wim, wimIndex: 2 } });
    expect(noKind.statusCode).toBe(400);
    expect(noKind.json()).toMatchObject({ message: '--index names an image inside a WIM: it needs --kind wim' });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json()).toEqual([]);
  });

  it('the CLI refuses a bad --kind or --index before the DP is asked', async () => {
    const h = await make();
    const io = testIo(h.app);
    await expect(imageAdd({ ...api, name: 'w', file: h.file, kind: 'vhd' }, io)).rejects.toThrow('--kind: expected disk or wim (got "vhd")');
    await expect(imageAdd({ ...api, name: 'w', file: h.file, kind: 'wim', index: '0' }, io)).rejects.toThrow("--index: expected the image's number in the WIM, 1 or more (got \"0\")");
    await expect(imageAdd({ ...api, name: 'w', file: h.file, index: '2' }, io)).rejects.toThrow('--index names an image inside a WIM: it needs --kind wim');
  });
});
