import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessRole } from '../security/roles';
import { addImage, ADMIN, CLIENT, harnessPerTest, type Harness } from '../testing/harness';
import { ROUTE_ROLES } from './route-roles';

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function tokensOf(h: Harness): Record<AccessRole | 'client', string> {
  return h.app.dp.access.get();
}

describe('roles: admin, operator, viewer', () => {
  const make = harnessPerTest();

  it('lists every documented admin route in the route table, and nothing else', async () => {
    const h = await make();
    const doc = h.app.swagger() as { paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>> };
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security || op.tags?.includes('agent')) continue;
        documented.push(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      }
    }
    expect(documented.sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
  });

  // Status codes other than 401/403 mean the token got through to the route. The fleet routes get a
  // body or query their schema refuses (400, checked after the token): their store (PGlite, whose
  // first open runs initdb) is then never opened, which took longer than a test on a busy box.
  it.each<[string, string, string, AccessRole, Record<string, unknown> | undefined]>([
    ['reads images', 'GET', '/api/v1/images', 'viewer', undefined],
    ['reads machines', 'GET', '/api/v1/machines?limit=many', 'viewer', undefined],
    ['reads history', 'GET', '/api/v1/history', 'viewer', undefined],
    ['starts a session', 'POST', '/api/v1/sessions', 'operator', { image: 'img' }],
    ['cancels a session', 'DELETE', '/api/v1/sessions/1', 'operator', undefined],
    ['reruns a deployment', 'POST', '/api/v1/deployments/nosuch/rerun', 'operator', { machine: '' }],
    ['adds a machine', 'POST', '/api/v1/machines', 'operator', { name: 'pc1' }],
    ['adds an image', 'POST', '/api/v1/images', 'admin', { name: 'other', file: '/nonexistent.img' }],
    ['changes an image', 'PATCH', '/api/v1/images/img', 'admin', { encrypt: true }],
    ['removes an image', 'DELETE', '/api/v1/images/img', 'admin', undefined],
  ])('%s: %s %s needs the %s token', async (_what, method, url, least, payload) => {
    const h = await make();
    await addImage(h, 'img');
    const t = tokensOf(h);
    const call = (token: string) => h.app.inject({ method: method as 'GET', url, headers: bearer(token), ...(payload ? { payload } : {}) });
    const order: AccessRole[] = ['viewer', 'operator', 'admin'];
    for (const role of order) {
      const r = await call(t[role]);
      if (order.indexOf(role) < order.indexOf(least)) {
        expect([role, r.statusCode]).toEqual([role, 403]);
        expect(r.json<{ message: string }>().message).toContain(`the token presented is the ${role} token`);
      } else {
        expect([role, r.statusCode]).not.toEqual([role, 403]);
        expect(r.statusCode).not.toBe(401);
      }
    }
    // The agents' token opens none of it; no token gets 401 naming the roles that may.
    expect((await call(CLIENT)).statusCode).toBe(403);
    const none = await h.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
    expect(none.statusCode).toBe(401);
    expect(none.json<{ message: string }>().message).toContain(least === 'viewer' ? 'viewer or operator or admin' : least === 'operator' ? 'operator or admin' : 'the admin token');
  });

  it('tells the dashboard which role a token is, and lets a viewer follow the event stream', async () => {
    const h = await make();
    const t = tokensOf(h);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      expect((await h.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: bearer(t[role]) })).json()).toEqual({ role });
    }
    const ev = await h.app.inject({ method: 'GET', url: `/api/v1/events?once=true&token=${encodeURIComponent(t.viewer)}` });
    expect(ev.statusCode).toBe(200);
    expect(ev.body).toMatch(/^event: snapshot/);
  });

  it('keeps generated operator and viewer tokens in DATA_DIR (0600) across restarts; a token file given wins', async () => {
    const h = await make();
    const first = tokensOf(h);
    const kept = join(h.dir, 'data', 'operator.token');
    expect(readFileSync(kept, 'utf8').trim()).toBe(first.operator);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(h.app.dp.generatedTokens).toMatchObject({ operator: first.operator, viewer: first.viewer });
    await h.app.close();
    const again = await make({}, h.dir);
    expect(tokensOf(again)).toMatchObject({ operator: first.operator, viewer: first.viewer });
    expect(again.app.dp.generatedTokens).toEqual({});
    await again.app.close();
    const file = join(h.dir, 'viewer-given.token');
    writeFileSync(file, 'viewer-token-given-by-file-0001\n');
    chmodSync(file, 0o600);
    const given = await make({ 'viewer-token-file': file }, h.dir);
    expect(tokensOf(given).viewer).toBe('viewer-token-given-by-file-0001');
  });

  it('refuses to start when two roles share a token', async () => {
    const h = await make();
    await h.app.close();
    const file = join(h.dir, 'same.token');
    writeFileSync(file, `${ADMIN}\n`);
    chmodSync(file, 0o600);
    await expect(make({ 'operator-token-file': file }, h.dir)).rejects.toMatchObject({ code: 'DP_BAD_SETTING', message: expect.stringContaining('admin and operator tokens are the same') });
  });
});
