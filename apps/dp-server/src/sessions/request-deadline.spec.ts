// Issue 21.5: three agents asking for a scheduled image got no answer for 180 s. The image check
// before the session never settled; every request awaited it through the creating map, no session
// existed, so --max-wait never fired. These reproduce it with promises the test controls.
import type { Manifest } from '@castpoint/wire';
import { TestImporter, type RecordingRunner } from '../testing/fakes';
import { addImage, client, harnessPerTest, type Harness } from '../testing/harness';
import { REQUEST_WAIT_MS, STEP_LIMIT_MS } from './deadline';
import type { SessionRunnerFactory } from './runner';

/** An importer whose pre-session check hangs while `hang` is set (a stuck disk or thread pool). */
class HangingImporter extends TestImporter {
  hang = false;
  checks = 0;

  override assertUnchanged(file: string, manifest: Manifest, mtimeMs: number): Promise<void> {
    this.checks++;
    return this.hang ? new Promise<void>(() => undefined) : super.assertUnchanged(file, manifest, mtimeMs);
  }
}

/** Runners whose start hangs while `hang.on` is set. */
function hangingStarts(hang: { on: boolean }): (f: SessionRunnerFactory) => SessionRunnerFactory {
  return (f) => (spec, events) => {
    const r = f(spec, events) as RecordingRunner;
    if (hang.on) r.start = () => new Promise<void>(() => undefined);
    return r;
  };
}

describe('agent requests always get an answer', () => {
  const make = harnessPerTest();

  beforeEach(() => {
    // Timers are the test's; fastify's inject needs the real nextTick and setImmediate.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const turns = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  /** Lets injected requests reach their handler (real nextTick/setImmediate turns) until `ready`. */
  const reach = async (ready: () => boolean): Promise<void> => {
    for (let i = 0; i < 5000 && !ready(); i++) await new Promise((r) => setImmediate(r));
    expect(ready()).toBe(true);
  };

  const request = (h: Harness, hostname: string): { status: () => number | undefined; body: () => { error?: string; status?: string } } => {
    let status: number | undefined;
    let body: { error?: string; status?: string } = {};
    void h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname } }).then((r) => {
      status = r.statusCode;
      body = r.json();
    });
    return { status: () => status, body: () => body };
  };

  it('answers 503 in time when the image check before a scheduled session hangs, and starts afresh after the step limit', async () => {
    const importer = new HangingImporter();
    const h = await make({}, undefined, (f) => f, 2000, { importer });
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3, maxWaitSec: 30 });
    await h.app.dp.store.receiverIdsReady(); // the first block of ids on disk: no I/O left on the path but the check
    importer.hang = true;
    const asks = ['pc1', 'pc2', 'pc3'].map((n) => request(h, n));
    await reach(() => importer.checks === 1);
    await turns(50); // the other two reach the creating map
    await jest.advanceTimersByTimeAsync(REQUEST_WAIT_MS + 10);
    // Before the fix: no answer at all (the agent's own timeout, a retry, the same wait, for ever).
    expect(asks.map((a) => a.status())).toEqual([503, 503, 503]);
    expect(asks[0]?.body()).toMatchObject({ error: 'DP_BUSY' });
    // One check for all three: a retry waits for the check under way instead of starting another.
    expect(importer.checks).toBe(1);

    // The check never comes back: after the step limit it is given up, and the next request starts over.
    await jest.advanceTimersByTimeAsync(STEP_LIMIT_MS);
    importer.hang = false;
    const again = ['pc1', 'pc2'].map((n) => request(h, n));
    // Both held by the long poll of the new waiting session (after the check's real file I/O).
    await reach(() => h.app.dp.sessions.live()[0]?.waiting.length === 2);
    await turns(50);
    await jest.advanceTimersByTimeAsync(2000 + 10);
    expect(again.map((a) => a.body().status)).toEqual(['wait', 'wait']);
    expect(importer.checks).toBe(2);
    // ... and --max-wait fires for the waiting session as it should.
    h.clock.t += 31_000;
    await h.app.dp.sessions.tick();
    expect(h.app.dp.sessions.live()).toMatchObject([{ state: 'running' }]);
  });

  it('answers 503 in time when a session runner never finishes starting, and fails that session after the step limit', async () => {
    const hang = { on: true };
    const h = await make({}, undefined, hangingStarts(hang));
    await addImage(h, 'img');
    await h.app.dp.store.receiverIdsReady();
    const first = request(h, 'pc1');
    await reach(() => h.runners.length === 1);
    await jest.advanceTimersByTimeAsync(REQUEST_WAIT_MS + 10);
    expect(first.status()).toBe(503);

    await jest.advanceTimersByTimeAsync(STEP_LIMIT_MS);
    const failed = h.app.dp.sessions.list()[0];
    expect(failed).toMatchObject({ state: 'failed', endReason: expect.stringMatching(/starting the session took longer than 30 s/) });
    expect(h.runners[0]?.closed).toBe('quiet');
    hang.on = false;
    const next = request(h, 'pc1');
    await reach(() => next.status() !== undefined);
    expect(next.body().status).toBe('join');
  });
});
