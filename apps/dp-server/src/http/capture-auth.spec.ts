// Who may capture (issue 26): the admin token, the capture token, or a capture grant for the image
// it names; never the client, operator or viewer token. And the capture token opens nothing else.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureGrantKey, issueCaptureGrant } from '../security/capture-grant';
import { ADMIN, harnessPerTest, type Harness } from '../testing/harness';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
// A plan the schema accepts: one zero chunk, so nothing needs uploading.
const plan = (name: string) => ({ name, size: 4096, chunkSize: 4096, hashes: [''], unusedChunks: [], usedMap: { source: 'filesystem', reasons: [] } });
const begin = (h: Harness, token: string, name = 'ref') => h.app.inject({ method: 'POST', url: '/api/v1/captures', headers: bearer(token), payload: plan(name) });
const grantFor = (h: Harness, image: string, ttlMs?: number) => issueCaptureGrant(captureGrantKey(ADMIN), '52:54:00:00:00:01', image, h.clock.t, ttlMs);

describe('capture routes: who may capture', () => {
  const make = harnessPerTest();

  it('accept the admin and the capture token; refuse the client, operator and viewer tokens with 403 naming them', async () => {
    const h = await make();
    const t = h.app.dp.access.get();
    expect((await begin(h, t.admin, 'by-admin')).statusCode).toBe(200);
    expect((await begin(h, t.capture, 'by-capture')).statusCode).toBe(200);
    for (const role of ['client', 'operator', 'viewer'] as const) {
      const r = await begin(h, t[role]);
      expect([role, r.statusCode]).toEqual([role, 403]);
      expect(r.json<{ message: string }>().message).toBe(`capturing needs the admin or capture token, or a capture grant from a capture deployment; the token presented is the ${role} token`);
    }
    expect((await begin(h, 'nonsense')).json<{ message: string }>().message).toMatch(/not a token of this DP/);
    const none = await h.app.inject({ method: 'POST', url: '/api/v1/captures', payload: plan('ref') });
    expect(none.statusCode).toBe(401);
  });

  it('the capture token opens nothing admin-like: images, sessions, deployments, the dashboard all 403', async () => {
    const h = await make();
    const { capture } = h.app.dp.access.get();
    for (const [method, url, payload] of [
      ['GET', '/api/v1/images', undefined],
      ['POST', '/api/v1/images', { name: 'x', file: h.file }],
      ['DELETE', '/api/v1/images/x', undefined],
      ['POST', '/api/v1/sessions', { image: 'x' }],
      ['GET', '/api/v1/machines', undefined],
      ['GET', '/api/v1/whoami', undefined],
    ] as const) {
      const r = await h.app.inject({ method, url, headers: bearer(capture), ...(payload ? { payload } : {}) });
      expect([method, url, r.statusCode]).toEqual([method, url, 403]);
      expect(r.json<{ message: string }>().message).toMatch(/the capture token, which may only capture/);
    }
    // Nor the agents' routes: it is not the client token.
    const agent = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: bearer(capture), payload: { image: 'x', hostname: 'pc' } });
    expect(agent.statusCode).toBe(403);
  });

  it('a capture grant captures the image it was issued for, from plan to finish, and no other', async () => {
    const h = await make();
    const g = grantFor(h, 'ref-pc1');
    expect((await begin(h, g, 'ref-pc1')).json()).toEqual({ name: 'ref-pc1', dataChunks: 0, missing: [] });
    const done = await h.app.inject({ method: 'POST', url: '/api/v1/captures/ref-pc1/finish', headers: bearer(g) });
    expect(done.statusCode).toBe(201);
    const other = await begin(h, g, 'other');
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'DP_CAPTURE_GRANT', message: 'this capture grant was issued for image ref-pc1, not other' });
    for (const [method, url] of [
      ['PUT', '/api/v1/captures/other/chunks/0'],
      ['POST', '/api/v1/captures/other/finish'],
      ['DELETE', '/api/v1/captures/other'],
    ] as const) {
      const r = await h.app.inject({ method, url, headers: { ...bearer(g), ...(method === 'PUT' ? { 'content-type': 'application/octet-stream' } : {}) }, ...(method === 'PUT' ? { payload: Buffer.alloc(4096) } : {}) });
      expect([url, r.statusCode, r.json<{ error: string }>().error]).toEqual([url, 403, 'DP_CAPTURE_GRANT']);
    }
    // A grant is not a token of the admin API.
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: bearer(g) })).statusCode).toBe(403);
  });

  it('refuses an expired or forged grant with DP_CAPTURE_GRANT', async () => {
    const h = await make();
    const expired = grantFor(h, 'ref', 1000);
    h.clock.t += 1000;
    const r = await begin(h, expired);
    expect(r.statusCode).toBe(403);
    expect(r.json<{ message: string }>().message).toMatch(/^the capture grant expired at /);
    const forged = issueCaptureGrant(captureGrantKey('not-the-admin-token'), '52:54:00:00:00:01', 'ref', h.clock.t);
    expect((await begin(h, forged)).json()).toMatchObject({ error: 'DP_CAPTURE_GRANT', message: 'the capture grant was not issued by this DP' });
  });

  it('keeps the capture token in DATA_DIR/capture.token (0600), distinct from every other; --capture-token-file wins', async () => {
    const h = await make();
    const t = h.app.dp.access.get();
    const kept = join(h.dir, 'data', 'capture.token');
    expect(readFileSync(kept, 'utf8').trim()).toBe(t.capture);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(h.app.dp.generatedTokens.capture).toBe(t.capture);
    expect(new Set(Object.values(t)).size).toBe(5);
    await h.app.close();
    const file = join(h.dir, 'capture-given.token');
    writeFileSync(file, 'capture-token-given-by-file-01\n');
    chmodSync(file, 0o600);
    const given = await make({ 'capture-token-file': file }, h.dir);
    expect(given.app.dp.access.get().capture).toBe('capture-token-given-by-file-01');
    expect((await begin(given, 'capture-token-given-by-file-01')).statusCode).toBe(200);
    await given.app.close();
    writeFileSync(file, `${ADMIN}\n`);
    await expect(make({ 'capture-token-file': file }, h.dir)).rejects.toMatchObject({ code: 'DP_BAD_SETTING', message: expect.stringContaining('admin and capture tokens are the same') });
  });
});
