// Issue 22.3: 4000 POST /agent/request each rewrote the whole state file twice, synchronously and
// fsync'd, on the event loop; client records were never pruned. Now requests only mark the state
// dirty (one coalesced write), ended records are bounded, and one source is rate-limited.
import fs from 'node:fs';
import { SETTING_DEFAULTS } from '../config/settings';
import { ENDED_CLIENTS_KEPT, pruneEnded } from '../sessions/pruning';
import { SAVE_INTERVAL_MS } from '../state/saver';
import { RECEIVER_ID_BLOCK } from '../state/store';
import { FlakyDisk } from '../testing/flaky-disk';
import { addImage, ask, client, harnessPerTest } from '../testing/harness';

describe('a flood of agent requests', () => {
  const make = harnessPerTest();

  it('writes no state on the event loop per request: coalesced saves, receiver ids by blocks', async () => {
    const disk = new FlakyDisk();
    const h = await make({}, undefined, (f) => f, 0, { storeWriter: disk });
    await addImage(h, 'img');
    const fsyncs = jest.spyOn(fs, 'fsyncSync');
    const async0 = disk.asyncWrites;
    const t0 = Date.now();
    try {
      for (let i = 0; i < 200; i++) expect((await ask(h, 'img', `pc${i}`)).status).toBe('join');
      // Before: two synchronous, fsync'd whole-file rewrites per request (800 fsyncs on the event
      // loop). Now none: receiver-id blocks and changes are saved by the asynchronous writer.
      expect(fsyncs).not.toHaveBeenCalled();
      expect(RECEIVER_ID_BLOCK).toBeGreaterThan(200);
    } finally {
      fsyncs.mockRestore();
    }
    // The changes are written off the event loop, coalesced: at most one write per interval however
    // long the 200 requests took (a busy box makes them slower, never the writes more frequent),
    // plus the flush's own; one per request (200) before.
    const intervals = Math.ceil((Date.now() - t0) / SAVE_INTERVAL_MS);
    await h.app.dp.store.flush();
    expect(disk.asyncWrites - async0).toBeLessThanOrEqual(intervals + 2);
    expect(disk.asyncWrites - async0).toBeLessThan(200);
  });

  it('keeps at most ENDED_CLIENTS_KEPT ended client records, the most recent ones', async () => {
    const h = await make();
    await addImage(h, 'img', { multicastOnly: false });
    const { store } = h.app.dp;
    const book = h.app.dp.sessions.clients;
    // Records as a flood leaves them: registered, then dropped as silent (failed), in no live session.
    const n = ENDED_CLIENTS_KEPT + 300;
    for (let i = 0; i < n; i++) {
      const c = book.register(undefined, { receiverId: 100_000 + i, hostname: `flood${i}`, image: 'img', nowMs: h.clock.t + i * 1000, totalChunks: 3 });
      c.state = 'failed';
    }
    const live = await ask(h, 'img', 'real'); // a client in a live session is never pruned
    if (live.status !== 'join') throw new Error('expected join');
    expect(pruneEnded(store, book, new Date(h.clock.t))).toBe(true);
    expect(book.list()).toHaveLength(ENDED_CLIENTS_KEPT + 1);
    expect(book.byReceiverId(100_000)).toBeUndefined(); // the oldest went
    expect(book.byReceiverId(100_000 + n - 1)?.hostname).toBe(`flood${n - 1}`);
    expect(book.byReceiverId(live.receiverId)?.hostname).toBe('real');
    expect(store.state.history.at(-1)).toMatchObject({ event: 'clients-pruned', detail: expect.stringMatching(/^300 ended client records removed/) });
    // Within the bound nothing more goes.
    expect(pruneEnded(store, book, new Date(h.clock.t))).toBe(false);
    // The manager's tick prunes on its own.
    for (let i = 0; i < 10; i++) book.register(undefined, { receiverId: 200_000 + i, hostname: `late${i}`, image: 'img', nowMs: h.clock.t, totalChunks: 3 }).state = 'done';
    await h.app.dp.sessions.tick();
    expect(book.list()).toHaveLength(ENDED_CLIENTS_KEPT + 1);
  });

  it('answers 429 to one source over its per-minute limit, and not to another source', async () => {
    const h = await make({ 'agent-rate-limit': '20' });
    await addImage(h, 'img');
    const from = (ip: string) => h.app.inject({ method: 'POST', url: '/api/v1/agent/request', remoteAddress: ip, headers: client, payload: { image: 'img', hostname: 'pc' } });
    for (let i = 0; i < 20; i++) expect((await from('10.0.0.7')).statusCode).toBe(200);
    const over = await from('10.0.0.7');
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ error: 'RATE_LIMITED', message: expect.stringMatching(/more than 20 agent requests a minute/) });
    expect(over.headers['retry-after']).toBeDefined();
    // Progress reports count toward the same limit; another address has its own.
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/agent/progress', remoteAddress: '10.0.0.7', headers: client, payload: {} })).statusCode).toBe(429);
    expect((await from('10.0.0.8')).statusCode).toBe(200);
  });

  it('is generous by default: 200 agents behind one NAT, each reporting once a second and asking twice, with 50% to spare', () => {
    const perAgentPerMinute = (1 + 2) * 60;
    expect(Number(SETTING_DEFAULTS['agent-rate-limit'])).toBeGreaterThanOrEqual(200 * perAgentPerMinute * 1.5);
  });
});
