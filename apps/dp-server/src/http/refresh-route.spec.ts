import { addImage, admin, client, harness, type Harness } from '../testing/harness';

// POST /api/v1/agent/refresh (issue 25): one DP (PGlite in its data dir; the first open runs
// initdb, so it is opened in beforeAll). Each test uses its own names and MAC prefix.
describe('agent refresh route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/collections', headers: admin })).statusCode).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = admin) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const refresh = (payload: object, headers: Record<string, string> = client) => inject('POST', '/api/v1/agent/refresh', payload, headers);
  const assignment = async (macs: string[]) => (await inject('POST', '/api/v1/agent/assignment', { macs }, client)).json<Record<string, unknown>>();
  const reportOk = (macs: string[], deployment: string) =>
    inject('POST', '/api/v1/agent/assignment/report', { macs, deployment, result: 'ok', startedAt: '2026-11-24T00:00:00Z', exitCode: 0, message: 'deployed' }, client);

  it('needs the client token before anything is read (401 without, 403 with the admin token)', async () => {
    expect((await refresh({ macs: ['52:54:00:c0:00:01'] }, {})).statusCode).toBe(401);
    expect((await refresh({ macs: ['52:54:00:c0:00:01'] }, admin)).statusCode).toBe(403);
  });

  it('re-arms the deployment that ran on this machine, as rerun --machine does, and the history says so', async () => {
    await addImage(h, 'ref-v1');
    await inject('POST', '/api/v1/machines', { name: 'ref-01', macs: ['52:54:00:c1:00:01'] });
    await inject('POST', '/api/v1/collections', { name: 'ref-lab', rules: ['mac-prefix:52:54:00:c1'] });
    expect((await inject('POST', '/api/v1/deployments', { name: 'ref-dep', image: 'ref-v1', collection: 'ref-lab' })).statusCode).toBe(201);
    const macs = ['52:54:00:C1:00:01'];
    expect(await assignment(macs)).toMatchObject({ action: 'deploy', deployment: 'ref-dep' });
    expect((await reportOk(macs, 'ref-dep')).statusCode).toBe(204);
    expect(await assignment(macs)).toMatchObject({ action: 'nothing' });

    h.clock.t += 60_000;
    const r = await refresh({ macs, uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ machine: 'ref-01', deployment: 'ref-dep', image: 'ref-v1', rearmed: 1 });
    // The next boot's assignment deploys it again.
    expect(await assignment(macs)).toMatchObject({ action: 'deploy', deployment: 'ref-dep', image: 'ref-v1' });
    const hist = (await inject('GET', '/api/v1/machine-history?machine=ref-01')).json<Array<Record<string, unknown>>>();
    expect(hist[0]).toMatchObject({ result: 'rearmed', deployment: 'ref-dep', image: 'ref-v1', startedAt: '2026-11-24T00:01:00.000Z', endedAt: '2026-11-24T00:01:00.000Z' });
    expect(hist[0]?.['message']).toMatch(/^re-armed by castpoint-agent refresh from 127\.0\.0\.1: the next network boot deploys image ref-v1$/);
    // Asked again while pending: not refused, nothing to delete, and said so.
    expect((await refresh({ macs })).json()).toMatchObject({ rearmed: 0 });
    expect((await inject('GET', '/api/v1/machine-history?machine=ref-01')).json<Array<{ message: string }>>()[0]?.message).toContain('(it was pending already)');
    // The identity was recorded as the assignment records it.
    expect((await inject('GET', '/api/v1/machines/ref-01')).json()).toMatchObject({ uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', lastIp: '127.0.0.1' });
  });

  it('refuses a machine with no deployment with 409 naming it, and re-arms nothing', async () => {
    await inject('POST', '/api/v1/machines', { name: 'ref-none', macs: ['52:54:00:c2:00:01'] });
    const r = await refresh({ macs: ['52:54:00:c2:00:01'] });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({ error: 'DP_NO_DEPLOYMENT', message: 'machine ref-none has no required deployment to re-arm (no deployment targets it)' });
    expect((await inject('GET', '/api/v1/machine-history?machine=ref-none')).json()).toEqual([]);
  });

  it('with two required deployments, asks for a name (409 naming both); with the name, re-arms that one only', async () => {
    await addImage(h, 'ref-a');
    await inject('POST', '/api/v1/machines', { name: 'ref-two', macs: ['52:54:00:c3:00:01'] });
    await inject('POST', '/api/v1/collections', { name: 'ref-two-lab', rules: ['name:ref-two'] });
    for (const n of ['ref-first', 'ref-second']) await inject('POST', '/api/v1/deployments', { name: n, image: 'ref-a', collection: 'ref-two-lab' });
    const macs = ['52:54:00:c3:00:01'];
    for (const n of ['ref-first', 'ref-second']) expect((await reportOk(macs, n)).statusCode).toBe(204);
    const both = await refresh({ macs });
    expect(both.statusCode).toBe(409);
    expect(both.json()).toEqual({ error: 'DP_DEPLOYMENT_AMBIGUOUS', message: 'required deployments ref-first, ref-second all target machine ref-two: name the one to re-arm' });
    const named = await refresh({ macs, deployment: 'ref-second' });
    expect(named.json()).toEqual({ machine: 'ref-two', deployment: 'ref-second', image: 'ref-a', rearmed: 1 });
    expect(await assignment(macs)).toMatchObject({ action: 'deploy', deployment: 'ref-second' });
    // Naming the other now would make the next boot a conflict: refused before anything changes.
    const other = await refresh({ macs, deployment: 'ref-first' });
    expect(other.statusCode).toBe(409);
    expect(other.json<{ message: string }>().message).toBe('re-arming deployment ref-first would not make machine ref-two deploy it at its next boot: required deployments ref-first, ref-second all target machine ref-two');
    expect(await assignment(macs)).toMatchObject({ action: 'deploy', deployment: 'ref-second' });
    expect((await refresh({ macs, deployment: 'ref-nope' })).json()).toEqual({ error: 'DP_DEPLOYMENT_NOT_FOUND', message: 'no deployment ref-nope' });
  });

  it('checks the body: MACs required, no unknown fields, and MACs of two machines re-arm nothing', async () => {
    const none = await refresh({ deployment: 'x' });
    expect(none.statusCode).toBe(400);
    expect(none.json<{ message: string }>().message).toMatch(/macs/);
    expect((await refresh({ macs: ['52:54:00:c4:00:01'], reboot: true })).statusCode).toBe(400);
    await inject('POST', '/api/v1/machines', { name: 'ref-x', macs: ['52:54:00:c5:00:01'] });
    await inject('POST', '/api/v1/machines', { name: 'ref-y', macs: ['52:54:00:c5:00:02'] });
    const two = await refresh({ macs: ['52:54:00:c5:00:01', '52:54:00:c5:00:02'] });
    expect(two.statusCode).toBe(409);
    expect(two.json()).toEqual({ error: 'DP_IDENTIFIER_TAKEN', message: 'the MACs 52:54:00:c5:00:01, 52:54:00:c5:00:02 belong to machines ref-x, ref-y: an operator must remove or merge them; nothing was re-armed' });
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toContain('/api/v1/agent/refresh');
  });
});
