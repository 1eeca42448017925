// The dashboard's memory across a DP restart: refused requests and a session's rate samples are in
// the SQL store, so a DP restarted over the same data dir still lists them (API, `history
// --refused`, the throughput chart's data), and neither table grows past its limits.
import { historyCommand } from '../cli/deployment-commands';
import { apiClient, print } from '../cli/api-args';
import { DpStore } from '../store/dp-store';
import { testIo } from '../testing/cli-io';
import { addImage, ADMIN, admin, ask, client, harness, harnessPerTest } from '../testing/harness';
import { sampleRates } from './routes';

interface Status {
  sessions: Array<{ id: number; state: string; series: Array<[number, number]> }>;
  refusals: Array<{ code: string; status: number; image: string | null; hostname: string | null }>;
}

describe('dashboard memory across a restart', () => {
  const make = harnessPerTest();

  it('still lists refused requests and a session rate samples after a restart over the same data dir', async () => {
    const first = await make({}, undefined, undefined, 0, { persist: true });
    await addImage(first, 'img');
    const refused = await first.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'nosuch', hostname: 'pc7' } });
    expect(refused.statusCode).toBe(404);
    expect((await first.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: { authorization: 'Bearer wrong' }, payload: { image: 'img', hostname: 'pc8' } })).statusCode).toBe(403);
    const a = await ask(first, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const runner = first.runners[0];
    if (!runner) throw new Error('no runner');
    for (let s = 0; s < 3; s++) {
      runner.bytesSent += 400_000;
      first.clock.t += 1000;
      await first.app.dp.sessions.tick();
      sampleRates(first.app.dp, first.clock.t);
    }
    runner.events.finished();
    await new Promise((r) => setImmediate(r));
    const before = (await first.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json<Status>();
    const series = before.sessions[0]?.series;
    expect(series?.map((p) => p[1])).toEqual([0, 400_000, 400_000]);
    expect(before.sessions[0]?.state).toBe('done');
    await first.app.close();

    const again = await harness({}, first.dir);
    try {
      const listed = await again.app.inject({ method: 'GET', url: '/api/v1/refusals', headers: admin });
      expect(listed.json<Status['refusals']>().map((r) => [r.status, r.code, r.image, r.hostname])).toEqual([
        // A wrong token is refused before the body is read: no image or host to record.
        [403, 'FORBIDDEN', null, null],
        [404, 'DP_IMAGE_NOT_FOUND', 'nosuch', 'pc7'],
      ]);
      const after = (await again.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json<Status>();
      expect(after.sessions[0]).toMatchObject({ id: before.sessions[0]?.id, state: 'done', series });
      expect(after.refusals).toHaveLength(2);
      const io = testIo(again.app);
      const fleet = { api: (x: { server?: string; token?: string }) => apiClient(x, io, {}), print: (x: { json?: boolean }, v: unknown, r: () => string) => print(io, x, v, r) };
      await historyCommand({ server: 'http://dp.test:8080', token: ADMIN, refused: true }, fleet);
      const lines = io.stdout.join('').trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(/\spc7\s+nosuch\s+404\s+DP_IMAGE_NOT_FOUND\s+no image named nosuch$/);
    } finally {
      await again.app.close();
    }
  }, 120_000);
});

describe('OperatorLogQueries limits', () => {
  let store: DpStore;
  beforeAll(async () => {
    store = await DpStore.open({ kind: 'memory' });
  }, 60_000);
  afterAll(() => store.close());

  it('keeps the newest refusals only, newest first', async () => {
    const q = store.operatorLog.withLimits({ refusals: 3, sessions: 2, perSession: 2 });
    for (let i = 1; i <= 5; i++) await q.addRefusal({ at: `2026-12-06T00:00:0${i}Z`, ip: '10.0.0.1', route: 'POST /api/v1/agent/request', status: 404, code: 'X', message: `n${i}`, image: null, hostname: null });
    expect((await q.recentRefusals()).map((r) => r.message)).toEqual(['n5', 'n4', 'n3']);
  });

  it('keeps the newest sessions and the newest samples of each', async () => {
    const q = store.operatorLog.withLimits({ refusals: 3, sessions: 2, perSession: 2 });
    for (let t = 1; t <= 4; t++) await q.addSamples(t, [{ id: 1, bytesPerSec: t }, { id: 2, bytesPerSec: 10 * t }]);
    await q.addSamples(5, [{ id: 3, bytesPerSec: 5 }]);
    // Before a prune, loading still keeps to the limits.
    expect([...(await q.recentSeries())]).toEqual([
      [2, [[3, 30], [4, 40]]],
      [3, [[5, 5]]],
    ]);
    await q.pruneSamples();
    // Seen under wider limits: the prune deleted the rows, not only the load's trim.
    const wide = store.operatorLog.withLimits({ refusals: 10, sessions: 10, perSession: 10 });
    expect([...(await wide.recentSeries())]).toEqual([
      [2, [[3, 30], [4, 40]]],
      [3, [[5, 5]]],
    ]);
    // The same second twice: the later sample replaces the earlier.
    await q.addSamples(5, [{ id: 3, bytesPerSec: 6 }]);
    expect((await q.recentSeries()).get(3)).toEqual([[5, 6]]);
  });
});
