import { addImage, admin, client, harness, type Harness } from '../testing/harness';

// The agent's "what do I do" is answered from the store's in-memory machine index
// (store/machine-index.ts). Every route that writes what that answer reads, as the CLI calls them,
// must change the next answer of a machine already answered from memory. (The store-level
// table, testing/index-contract.ts, has a row per store method; this checks the routes reach them.)
describe('the agent assignment after writes through the API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    await addImage(h, 'idx-img');
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = admin) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const who = { macs: ['52:54:00:1d:00:01'], model: 'KVM' };
  const answer = async (): Promise<string> => {
    const r = await inject('POST', '/api/v1/agent/assignment', who, client);
    expect(r.statusCode).toBe(200);
    const b = r.json<{ machine: string; action: string; deployment?: string }>();
    return `${b.machine} ${b.action}${b.deployment ? ` ${b.deployment}` : ''}`;
  };

  it('member added and removed, report, rerun, refresh, machine removed: each changes the next answer', async () => {
    expect((await inject('POST', '/api/v1/machines', { name: 'idx-01', macs: who.macs })).statusCode).toBe(201);
    expect((await inject('POST', '/api/v1/collections', { name: 'idx-picked' })).statusCode).toBe(201);
    expect((await inject('POST', '/api/v1/deployments', { name: 'idx-dep', image: 'idx-img', collection: 'idx-picked', after: 'none' })).statusCode).toBe(201);
    expect(await answer()).toBe('idx-01 nothing');
    expect(await answer()).toBe('idx-01 nothing');

    expect((await inject('PUT', '/api/v1/collections/idx-picked/members/idx-01')).statusCode).toBe(200);
    expect(await answer()).toBe('idx-01 deploy idx-dep');

    const report = { macs: who.macs, deployment: 'idx-dep', result: 'ok', startedAt: '2026-11-24T00:00:00Z', exitCode: 0 };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, client)).statusCode).toBe(204);
    expect(await answer()).toBe('idx-01 nothing');

    expect((await inject('POST', '/api/v1/deployments/idx-dep/rerun', { machine: 'idx-01' })).json()).toEqual({ rearmed: 1 });
    expect(await answer()).toBe('idx-01 deploy idx-dep');

    expect((await inject('POST', '/api/v1/agent/assignment/report', report, client)).statusCode).toBe(204);
    expect(await answer()).toBe('idx-01 nothing');
    expect((await inject('POST', '/api/v1/agent/refresh', { macs: who.macs }, client)).json()).toMatchObject({ deployment: 'idx-dep', rearmed: 1 });
    expect(await answer()).toBe('idx-01 deploy idx-dep');

    expect((await inject('DELETE', '/api/v1/collections/idx-picked/members/idx-01')).statusCode).toBe(200);
    expect(await answer()).toBe('idx-01 nothing');

    expect((await inject('DELETE', '/api/v1/machines/idx-01')).statusCode).toBe(204);
    // Gone: the agent registers as a new, unknown machine.
    expect(await answer()).toBe('unknown-5254001d0001 nothing');
  });
});
