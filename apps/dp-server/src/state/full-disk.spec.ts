// Issue 22.2: a full disk killed the DP (SessionManager.end -> StateStore.save threw ENOSPC
// uncaught). Now running sessions go on, the condition shows on /healthz, /metrics and the
// dashboard snapshot, new sessions and imports are refused with 507, and the save is retried: a
// client that completed meanwhile shows done after a restart.
import { FlakyDisk } from '../testing/flaky-disk';
import { addImage, admin, ask, client, harnessPerTest } from '../testing/harness';

describe('a full disk under the data directory', () => {
  const make = harnessPerTest();
  const rejections: unknown[] = [];
  const onRejection = (err: unknown): void => {
    rejections.push(err);
  };
  beforeEach(() => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
  });

  it('keeps the running session, reports the condition, refuses new sessions and imports with 507, and saves once there is space', async () => {
    const disk = new FlakyDisk();
    const h = await make({}, undefined, (f) => f, 0, { storeWriter: disk, persist: true });
    await addImage(h, 'img');
    await addImage(h, 'other');
    const a = await ask(h, 'img', 'pc1');
    const b = await ask(h, 'img', 'pc2');
    if (a.status !== 'join' || b.status !== 'join') throw new Error('expected join');
    expect(await h.app.dp.store.flush()).toBe(true);

    disk.full = true;
    const runner = h.runners[0];
    runner?.events.status(a.receiverId, { state: 'done', blocksDone: 40, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    // Still running, and still taking agents into the running session.
    const c = await ask(h, 'img', 'pc3');
    expect(c.status).toBe('join');
    expect(await h.app.dp.store.flush()).toBe(false);

    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ ok: false, storage: { ok: false, code: 'ENOSPC' } });
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^castpoint_dp_state_save_failing 1$/m);
    const status = await h.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin });
    expect(status.json()).toMatchObject({ storage: { ok: false, code: 'ENOSPC' } }); // the dashboard's red line
    const newSession = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'other', hostname: 'pc9' } });
    expect(newSession.statusCode).toBe(507);
    expect(newSession.json()).toMatchObject({ error: 'DP_STORAGE_FULL', message: expect.stringMatching(/a new session refused: the DP cannot save its state .*ENOSPC/) });
    const imp = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'third', file: h.file } });
    expect(imp.statusCode).toBe(507);

    // The session ends while the disk is full: nothing thrown, nothing unhandled.
    runner?.events.status(b.receiverId, { state: 'done', blocksDone: 40, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    runner?.events.status(c.status === 'join' ? c.receiverId : 0, { state: 'done', blocksDone: 40, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    await new Promise((r) => setImmediate(r));
    expect(h.app.dp.sessions.list()[0]).toMatchObject({ state: 'done' });
    expect(rejections).toEqual([]);

    disk.full = false;
    expect(await h.app.dp.store.flush()).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json()).toMatchObject({ storage: { ok: true } });
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'other', hostname: 'pc9' } })).statusCode).toBe(200);

    // After a restart the clients that completed show done (they showed "failed: not heard from").
    await h.app.close();
    const again = await make({}, h.dir);
    const clients = (await again.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ hostname: string; state: string }>>();
    expect(clients.filter((x) => x.hostname.startsWith('pc') && x.hostname !== 'pc9').map((x) => x.state)).toEqual(['done', 'done', 'done']);
    expect(again.app.dp.sessions.list()[0]).toMatchObject({ state: 'done' });
  });

  it('answers 507 when the disk fills up just as a receiver-id block is reserved', async () => {
    const disk = new FlakyDisk();
    const h = await make({}, undefined, (f) => f, 0, { storeWriter: disk });
    await addImage(h, 'img');
    disk.full = true;
    // A fresh DP has reserved no receiver ids yet: the first one needs a (synchronous) save.
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc1' } });
    expect(r.statusCode).toBe(507);
    expect(r.json()).toMatchObject({ error: 'DP_STORAGE_FULL' });
  });
});
