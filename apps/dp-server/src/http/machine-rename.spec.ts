// Rename and approve (PATCH /api/v1/machines/:name), the unknown machines' listing, and the
// partial CSV import: what the dashboard's Machines view and `machine rename|approve` call.
import { addImage, admin, client, harness, type Harness } from '../testing/harness';

type Json = Record<string, unknown>;

describe('machine rename, approve, unknown listing and partial import API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/collections', headers: admin })).statusCode).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = admin) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const names = async (url: string): Promise<string[]> => (await inject('GET', url)).json<{ machines: Array<{ name: string }> }>().machines.map((m) => m.name);

  it('renames a machine: its history, static memberships and done deployments follow the new name', async () => {
    await addImage(h, 'ren-img');
    await inject('POST', '/api/v1/machines', { name: 'ren-01', macs: ['52:54:00:c0:00:01'] });
    await inject('POST', '/api/v1/collections', { name: 'ren-lab' });
    expect((await inject('PUT', '/api/v1/collections/ren-lab/members/ren-01')).statusCode).toBe(200);
    await inject('POST', '/api/v1/deployments', { name: 'ren-dep', image: 'ren-img', collection: 'ren-lab', after: 'none' });
    const who = { macs: ['52:54:00:c0:00:01'] };
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ machine: 'ren-01', action: 'deploy', deployment: 'ren-dep' });
    const report = { macs: who.macs, deployment: 'ren-dep', result: 'ok', startedAt: '2026-11-24T00:00:00Z', exitCode: 0, message: 'deployed' };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, client)).statusCode).toBe(204);

    const r = await inject('PATCH', '/api/v1/machines/ren-01', { name: 'ren-02' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ name: 'ren-02', state: 'known', macs: ['52:54:00:c0:00:01'] });
    expect((await inject('GET', '/api/v1/machines/ren-01')).statusCode).toBe(404);
    // The history is found under the new name (the dashboard and `history --machine` filter by name), not the old.
    expect((await inject('GET', '/api/v1/machine-history?machine=ren-02')).json()).toEqual([expect.objectContaining({ machine: 'ren-02', deployment: 'ren-dep', result: 'ok' })]);
    expect((await inject('GET', '/api/v1/machine-history?machine=ren-01')).json()).toEqual([]);
    // Still a member, the deployment still done on it (both by id): told nothing, rerun by the new name re-arms it.
    expect((await inject('GET', '/api/v1/collections/ren-lab')).json()).toMatchObject({ members: ['ren-02'] });
    expect((await inject('POST', '/api/v1/agent/assignment', who, client)).json()).toMatchObject({ machine: 'ren-02', action: 'nothing' });
    expect((await inject('POST', '/api/v1/deployments/ren-dep/rerun', { machine: 'ren-02' })).json()).toEqual({ rearmed: 1 });
    expect((await inject('GET', '/api/v1/machines/ren-02/decision')).json()).toMatchObject({ action: 'deploy', deployment: 'ren-dep' });
    // The same name again changes nothing and is no error.
    expect((await inject('PATCH', '/api/v1/machines/ren-02', { name: 'ren-02' })).json()).toMatchObject({ name: 'ren-02' });
  });

  it('refuses a name in use (409 naming its owner), an unknown machine (404 with the name) and bad bodies (400), and changes nothing', async () => {
    await inject('POST', '/api/v1/machines', { name: 'ren-10', macs: ['52:54:00:c0:00:10'] });
    await inject('POST', '/api/v1/machines', { name: 'ren-11', macs: ['52:54:00:c0:00:11'] });
    const taken = await inject('PATCH', '/api/v1/machines/ren-10', { name: 'ren-11' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({ error: 'DP_MACHINE_EXISTS', message: 'a machine named ren-11 already exists (MAC 52:54:00:c0:00:11)' });
    expect((await inject('GET', '/api/v1/machines/ren-10')).json()).toMatchObject({ name: 'ren-10', macs: ['52:54:00:c0:00:10'] });
    const missing = await inject('PATCH', '/api/v1/machines/ren-99', { name: 'ren-98' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'DP_MACHINE_NOT_FOUND', message: 'no machine ren-99' });
    for (const [body, why] of [
      [{}, /must NOT have fewer than 1 properties|fewer than 1/],
      [{ name: 'has space' }, /name/],
      [{ name: '' }, /name/],
      [{ state: 'unknown' }, /state/],
      [{ name: 'ren-12', colour: 'red' }, /colour|additional/],
    ] as const) {
      const bad = await inject('PATCH', '/api/v1/machines/ren-10', body);
      expect([JSON.stringify(body), bad.statusCode]).toEqual([JSON.stringify(body), 400]);
      expect(bad.json<{ message: string }>().message).toMatch(why);
    }
    expect((await inject('GET', '/api/v1/machines/ren-10')).json()).toMatchObject({ name: 'ren-10', state: 'known' });
  });

  it('approves a machine that registered itself: it leaves the unknown list and the "unknown" rule, keeps or gets a name', async () => {
    await addImage(h, 'apr-img');
    await inject('POST', '/api/v1/collections', { name: 'apr-unknown', rules: ['unknown'] });
    await inject('POST', '/api/v1/deployments', { name: 'apr-dep', image: 'apr-img', collection: 'apr-unknown', purpose: 'available' });
    for (const mac of ['52:54:00:c1:00:01', '52:54:00:c1:00:02']) expect((await inject('POST', '/api/v1/agent/assignment', { macs: [mac] }, client)).json()).toMatchObject({ action: 'nothing', available: ['apr-dep'] });
    const unknown = await names('/api/v1/machines?state=unknown&limit=1000');
    expect(unknown).toEqual(expect.arrayContaining(['unknown-525400c10001', 'unknown-525400c10002']));
    expect(await names('/api/v1/machines?state=known&limit=1000')).not.toContain('unknown-525400c10001');

    const kept = await inject('PATCH', '/api/v1/machines/unknown-525400c10001', { state: 'known' });
    expect(kept.json()).toMatchObject({ name: 'unknown-525400c10001', state: 'known' });
    const named = await inject('PATCH', '/api/v1/machines/unknown-525400c10002', { state: 'known', name: 'apr-pc-02' });
    expect(named.json()).toMatchObject({ name: 'apr-pc-02', state: 'known', macs: ['52:54:00:c1:00:02'] });
    expect(await names('/api/v1/machines?state=unknown&limit=1000')).not.toEqual(expect.arrayContaining(['unknown-525400c10001']));
    expect(await names('/api/v1/machines?state=unknown&limit=1000')).not.toContain('apr-pc-02');
    // Known now: the "unknown machines" collection no longer holds it, and the agent is told by its new name.
    expect((await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:c1:00:02'] }, client)).json()).toMatchObject({ machine: 'apr-pc-02', action: 'nothing', available: [] });
    // Approving a known machine again is no error.
    expect((await inject('PATCH', '/api/v1/machines/apr-pc-02', { state: 'known' })).statusCode).toBe(200);
    expect((await inject('GET', '/api/v1/machines?state=lost')).statusCode).toBe(400);
  });

  it('lets an operator rename and approve, not a viewer', async () => {
    const t = h.app.dp.access.get();
    await inject('POST', '/api/v1/machines', { name: 'rol-01', macs: ['52:54:00:c2:00:01'] });
    const as = (token: string, name: string) => inject('PATCH', `/api/v1/machines/${name}`, { name: `${name}-x` }, { authorization: `Bearer ${token}` });
    expect((await as(t.viewer, 'rol-01')).statusCode).toBe(403);
    expect((await as(client.authorization.slice(7), 'rol-01')).statusCode).toBe(403);
    expect((await as(t.operator, 'rol-01')).json()).toMatchObject({ name: 'rol-01-x' });
  });

  it('imports partially: adds the good rows and answers each refused line with its reason', async () => {
    await inject('POST', '/api/v1/machines', { name: 'imp-owner', macs: ['52:54:00:c3:00:09'] });
    const csv = ['name,mac,uuid', 'imp-a,52:54:00:c3:00:01', 'imp-b,52:54:00:c3:00:zz', 'imp-c,52:54:00:c3:00:09', 'imp-owner,52:54:00:c3:00:03', 'imp-a,52:54:00:c3:00:04', 'imp-d,52-54-00-C3-00-05', ',52:54:00:c3:00:07'].join('\n');
    const r = await inject('POST', '/api/v1/machines/import', { csv, partial: true });
    expect(r.statusCode).toBe(200);
    const body = r.json<{ imported: number; machines: Json[]; refused: Json[] }>();
    expect(body.imported).toBe(2);
    expect(body.machines.map((m) => m['name'])).toEqual(['imp-a', 'imp-d']);
    expect(body.refused).toEqual([
      { line: 3, name: 'imp-b', code: 'DP_BAD_CSV', message: '"52:54:00:c3:00:zz" is not a MAC address' },
      { line: 4, name: 'imp-c', code: 'DP_IDENTIFIER_TAKEN', message: 'MAC 52:54:00:c3:00:09 already belongs to machine imp-owner' },
      { line: 5, name: 'imp-owner', code: 'DP_MACHINE_EXISTS', message: 'a machine named imp-owner already exists' },
      { line: 6, name: 'imp-a', code: 'DP_BAD_CSV', message: 'name imp-a is already on line 2' },
      { line: 8, name: null, code: 'DP_BAD_CSV', message: 'name "" must be 1-63 letters, digits, dots, dashes or underscores' },
    ]);
    expect((await inject('GET', '/api/v1/machines/imp-d')).json()).toMatchObject({ macs: ['52:54:00:c3:00:05'] });
    // Without `partial` the import stays all or nothing.
    const all = await inject('POST', '/api/v1/machines/import', { csv: 'imp-e,52:54:00:c3:00:06\nimp-f,52:54:00:c3:00:09' });
    expect(all.statusCode).toBe(409);
    expect((await inject('GET', '/api/v1/machines/imp-e')).statusCode).toBe(404);
  });

  it('takes an import file larger than the 64 KiB body limit of the other routes', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `big-${String(i).padStart(4, '0')},52:54:01:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:00,4c4c4544-0000-0000-0000-${String(i).padStart(12, '0')}`);
    const csv = rows.join('\n');
    expect(Buffer.byteLength(JSON.stringify({ csv }))).toBeGreaterThan(128 * 1024);
    const r = await inject('POST', '/api/v1/machines/import', { csv });
    expect([r.statusCode, r.statusCode === 201 ? '' : r.body]).toEqual([201, '']);
    expect(r.json<{ imported: number }>().imported).toBe(2500);
  }, 120_000);

  it('publishes PATCH /api/v1/machines/{name} with its body, and the import and listing fields, in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, Json>> }>();
    const patch = doc.paths['/api/v1/machines/{name}']?.['patch'] as { requestBody: { content: Record<string, { schema: { properties: Json } }> }; responses: Record<string, unknown> } | undefined;
    expect(Object.keys(patch?.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(['name', 'state']);
    expect(Object.keys(patch?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '404', '409']));
    const importBody = doc.paths['/api/v1/machines/import']?.['post'] as { requestBody: { content: Record<string, { schema: { properties: Json } }> } };
    expect(Object.keys(importBody.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(['csv', 'partial']);
    const list = doc.paths['/api/v1/machines']?.['get'] as { parameters: Array<{ name: string }> };
    expect(list.parameters.map((p) => p.name)).toContain('state');
  });
});
