import { ChunkingError } from '@castpoint/chunking';
import { addImage, admin, ask, client, harnessPerTest, type Harness } from '../testing/harness';
import { RateHistory } from './rate-history';
import { sampleRates } from './routes';
import { averageRate, etaSeconds } from './snapshot';

interface SessionRow {
  id: number;
  state: string;
  throughputBps: number;
  averageBps: number | null;
  elapsedSec: number | null;
  etaSec: number | null;
  waiting: number;
  minClients: number | null;
  waitingHosts: string[];
  deadline: string | null;
  series: Array<[number, number]>;
}
interface Status {
  sessions: SessionRow[];
  images: Array<{ name: string; broken: string | null; minClients: number | null }>;
  refusals: Array<{ code: string; status: number; image: string | null; hostname: string | null }>;
}

const SIZE = 2 * (1 << 20) + 300_000;
const status = async (h: Harness): Promise<Status> => (await h.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json<Status>();

describe('dashboard figures', () => {
  const make = harnessPerTest();

  it('a running session has its throughput over time, elapsed time and ETA; once ended, its average rate (not 0)', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const runner = h.runners[0];
    if (!runner) throw new Error('no runner');
    // 4 seconds at 500,000 bytes/s, sampled at each tick as the DP's timer does.
    for (let s = 0; s < 4; s++) {
      runner.bytesSent += 500_000;
      h.clock.t += 1000;
      await h.app.dp.sessions.tick();
      sampleRates(h.app.dp, h.clock.t);
    }
    runner.events.status(a.receiverId, { state: 'receiving', blocksDone: 10, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    const live = (await status(h)).sessions[0];
    expect(live).toMatchObject({ state: 'running', throughputBps: 500_000, elapsedSec: 4 });
    // A quarter done: three quarters of the image left at 500,000 bytes/s.
    expect(live?.etaSec).toBe(Math.ceil((0.75 * SIZE) / 500_000));
    expect(live?.series.map((p) => p[1])).toEqual([0, 500_000, 500_000, 500_000]);
    runner.events.finished();
    await new Promise((r) => setImmediate(r));
    const done = (await status(h)).sessions[0];
    expect(done).toMatchObject({ state: 'done', etaSec: null, elapsedSec: 4 });
    expect(done?.averageBps).toBe(2_000_000 / 4);
  });

  it('a waiting scheduled session says how many of how many clients wait, who, and until when', async () => {
    const h = await make();
    await addImage(h, 'sched', { mode: 'scheduled', minClients: 3, maxWaitSec: 600 });
    await ask(h, 'sched', 'pc1');
    await ask(h, 'sched', 'pc2');
    const s = (await status(h)).sessions[0];
    expect(s).toMatchObject({ state: 'waiting', waiting: 2, minClients: 3, waitingHosts: ['pc1@127.0.0.1', 'pc2@127.0.0.1'], deadline: new Date(h.clock.t + 600_000).toISOString(), etaSec: null, averageBps: null });
    expect((await status(h)).images[0]).toMatchObject({ name: 'sched', minClients: 3, broken: null });
  });

  it('records refused agent requests (wrong token, unknown image, bad body), newest first, for every role to read', async () => {
    const h = await make();
    await addImage(h, 'img');
    const post = (headers: Record<string, string>, payload: object) => h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers, payload });
    expect((await post({ authorization: 'Bearer wrong' }, { image: 'img', hostname: 'pc1' })).statusCode).toBe(403);
    expect((await post(client, { image: 'nosuch', hostname: 'pc2' })).statusCode).toBe(404);
    expect((await post(client, { image: 'img' })).statusCode).toBe(400);
    expect((await ask(h, 'img', 'pc3')).status).toBe('join');
    const refusals = (await status(h)).refusals;
    expect(refusals.map((r) => [r.status, r.code, r.image, r.hostname])).toEqual([
      [400, 'BAD_REQUEST', 'img', null],
      [404, 'DP_IMAGE_NOT_FOUND', 'nosuch', 'pc2'],
      [403, 'FORBIDDEN', null, null],
    ]);
    const viewer = h.app.dp.access.get().viewer;
    const viaRoute = await h.app.inject({ method: 'GET', url: '/api/v1/refusals', headers: { authorization: `Bearer ${viewer}` } });
    expect(viaRoute.json<unknown[]>()).toHaveLength(3);
  });

  it('marks an image broken once a session found its file no longer matching the manifest', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.failed(new ChunkingError('CHUNKING_IMAGE_CHANGED', 'chunk 1 no longer matches the manifest', { chunk: 1 }));
    await new Promise((r) => setImmediate(r));
    expect((await status(h)).images[0]?.broken).toMatch(/chunk 1 no longer matches/);
  });

  it('serves the chart library from the installed package, and the page allows only this server', async () => {
    const h = await make();
    const js = await h.app.inject({ method: 'GET', url: '/assets/uplot.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain('uPlot');
    expect((await h.app.inject({ method: 'GET', url: '/assets/uplot.css' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/assets/nosuch.js' })).statusCode).toBe(404);
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(page.body).toContain('<script src="/assets/uplot.js">');
  });
});

describe('averageRate, etaSeconds, RateHistory', () => {
  it('averages over start to end, and says nothing without a start', () => {
    expect(averageRate({ startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:00:10Z' }, 1000, 0)).toBe(100);
    expect(averageRate({}, 1000, 0)).toBeNull();
  });

  it('takes the ETA from the slowest receiver still going, and none while nothing is known', () => {
    const running = { state: 'running' as const };
    expect(etaSeconds(running, [{ progress: 0.5, state: 'receiving' }, { progress: 0.9, state: 'receiving' }, { progress: 0.1, state: 'done' }], 1000, 100)).toBe(5);
    expect(etaSeconds(running, [{ progress: 0, state: 'receiving' }], 1000, 100)).toBeNull();
    expect(etaSeconds(running, [{ progress: 0.5, state: 'receiving' }], 1000, 0)).toBeNull();
    expect(etaSeconds({ state: 'waiting' }, [{ progress: 0.5, state: 'receiving' }], 1000, 100)).toBeNull();
  });

  it('keeps a bounded number of samples and sessions', () => {
    const r = new RateHistory({ perSession: 3, sessions: 2 });
    for (let t = 0; t < 5; t++) r.sample(t * 1000, [{ id: 1, bytesPerSec: t }]);
    expect(r.of(1)).toEqual([[2, 2], [3, 3], [4, 4]]);
    r.sample(5000, [{ id: 2, bytesPerSec: 1 }]);
    r.sample(6000, [{ id: 3, bytesPerSec: 1 }]);
    expect(r.of(1)).toEqual([]);
    expect(r.of(3)).toEqual([[6, 1]]);
  });
});
