import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '@castpoint/transport';
import type { RecordingRunner } from '../testing/fakes';
import { HOLD_FOR_JOINERS_MS, UNJOINED_SESSION_MS } from './live-session';
import { WAITER_TTL_MS } from './waiter-roll';
import { addImage, admin, ask, client, harnessPerTest, type Harness } from '../testing/harness';

/** Virtual time for held requests that also tells when a request is held (its timeout is set). */
class HoldClock extends VirtualClock {
  private readonly onHold: Array<() => void> = [];

  override schedule(fn: () => void, delayMs: number): () => void {
    const cancel = super.schedule(fn, delayMs);
    for (const held of this.onHold.splice(0)) held();
    return cancel;
  }

  nextHold(): Promise<void> {
    return new Promise((resolve) => this.onHold.push(resolve));
  }
}

describe('SessionManager through the API', () => {
  const make = harnessPerTest();

  const sessionOf = async (h: Harness, id: number): Promise<{ state: string; endReason?: string; receivers: number[] }> =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/sessions/${id}`, headers: admin })).json();
  const clientsOf = async (h: Harness): Promise<Array<{ hostname: string; state: string; message?: string }>> =>
    (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json();

  it('marks a receiver the engine dropped as silent failed, and says so when the session ends', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'quiet');
    const b = await ask(h, 'img', 'fine');
    if (a.status !== 'join' || b.status !== 'join') throw new Error('expected join');
    const runner = h.runners[0];
    runner?.events.left(a.receiverId, 'inactive');
    expect(runner?.receivers.has(a.receiverId)).toBe(false);
    expect((await clientsOf(h)).find((c) => c.hostname === 'quiet')).toMatchObject({ state: 'failed', message: expect.stringMatching(/not heard/) });
    expect((await sessionOf(h, a.session.id)).state).toBe('running');
    runner?.events.status(b.receiverId, { state: 'done', blocksDone: 40, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    await new Promise((r) => setImmediate(r));
    const s = await sessionOf(h, a.session.id);
    expect(s).toMatchObject({ state: 'done', receivers: [b.receiverId] });
    expect(s.endReason).toMatch(/1 receiver\(s\) complete, 1 left before completing/);
    // The dropped agent asks again (resume) and gets a new session with a fresh id.
    const again = await ask(h, 'img', 'quiet', a.receiverId);
    if (again.status !== 'join') throw new Error('expected join');
    expect(again.session.id).not.toBe(a.session.id);
    expect([a.receiverId, b.receiverId]).not.toContain(again.receiverId);
  });

  it("ends the session when the engine reports it finished", async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc');
    if (a.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.finished();
    await new Promise((r) => setImmediate(r));
    expect((await sessionOf(h, a.session.id)).state).toBe('done');
    expect(h.runners[0]?.closed).toBe('quiet');
  });

  it('fails the session when its runner fails, and marks its receivers failed', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc');
    if (a.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.failed(new Error('image file changed during the session'));
    await new Promise((r) => setImmediate(r));
    expect(await sessionOf(h, a.session.id)).toMatchObject({ state: 'failed', endReason: 'image file changed during the session' });
    expect((await clientsOf(h))[0]).toMatchObject({ state: 'failed' });
  });

  it('lets the admin start a waiting scheduled session at once', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 10 });
    expect((await ask(h, 'img', 'pc')).status).toBe('wait');
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/sessions', headers: admin, payload: { image: 'img' } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ state: 'running', waiting: ['pc@127.0.0.1'] });
    // A session nobody joined yet is not over: it waits for its agents.
    h.clock.t += 60_000;
    await h.app.dp.sessions.tick();
    expect((await ask(h, 'img', 'pc')).status).toBe('join');
    expect(h.runners).toHaveLength(1);
  });

  it('refuses to start a session from an image file changed since import', async () => {
    const h = await make();
    await addImage(h, 'img');
    utimesSync(h.file, new Date(), new Date(Date.now() + 10_000));
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc' } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'DP_IMAGE_FILE' });
    expect(h.runners).toHaveLength(0);
  });

  it('fails (never falls back) a receiver kicked by the disconnect policy from a multicast-only image', async () => {
    const h = await make();
    await addImage(h, 'img', { multicastOnly: true, slowPolicy: 'disconnect:500' });
    const a = await ask(h, 'img', 'slow');
    if (a.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.kicked(a.receiverId, 'fallback', 'goodput below 500 KB/s');
    expect((await clientsOf(h))[0]).toMatchObject({ state: 'failed', fallback: false, message: 'fallback: goodput below 500 KB/s' });
    // Asking again never yields a unicast download for this image.
    expect((await ask(h, 'img', 'slow', a.receiverId)).status).toBe('join');
  });

  it('keeps a started scheduled session open until the agents that waited for it have joined (or 10 s)', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3 });
    expect((await ask(h, 'img', 'pc1')).status).toBe('wait');
    expect((await ask(h, 'img', 'pc2')).status).toBe('wait');
    const c = await ask(h, 'img', 'pc3');
    if (c.status !== 'join') throw new Error('expected join');
    // The runner holds its data for the three that waited (pc3 registered now, pc1 and pc2 on
    // their next poll), at most HOLD_FOR_JOINERS_MS.
    expect(h.runners[0]?.joiners).toEqual({ count: 3, graceMs: HOLD_FOR_JOINERS_MS });
    const done = (id: number): void => h.runners[0]?.events.status(id, { state: 'done', blocksDone: 4, totalBlocks: 4, rateBps: 0, lossPpm: 0 });
    done(c.receiverId);
    h.runners[0]?.events.finished();
    await new Promise((r) => setImmediate(r));
    expect((await sessionOf(h, c.session.id)).state).toBe('running');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    expect(a.session.id).toBe(c.session.id);
    done(a.receiverId);
    await new Promise((r) => setImmediate(r));
    await h.app.dp.sessions.tick();
    expect((await sessionOf(h, c.session.id)).state).toBe('running');
    // pc2 never comes back: the session ends once the grace period is over.
    h.clock.t += 10_000;
    await h.app.dp.sessions.tick();
    expect((await sessionOf(h, c.session.id)).state).toBe('done');
  });

  it('holds a waiting agent\'s request until the session starts, then answers join (long poll)', async () => {
    // Held requests time out on this clock, which moves only when the test says: nothing here waits on real time.
    const clock = new HoldClock();
    const h = await make({}, undefined, undefined, 5000, { clock });
    await addImage(h, 'img', { mode: 'scheduled', minClients: 2 });
    const held = clock.nextHold();
    const first = ask(h, 'img', 'pc1');
    let answered = false;
    void first.then(() => (answered = true));
    await held;
    expect(answered).toBe(false); // held, not told to wait
    const second = await ask(h, 'img', 'pc2');
    const a = await first;
    if (a.status !== 'join' || second.status !== 'join') throw new Error('expected both to join');
    expect(a.session.id).toBe(second.session.id);
    // Answered at the start, not after the hold: its timeout never ran (the clock never moved) and is gone.
    expect(clock.pending).toBe(0);
    expect(h.runners[0]?.receivers.size).toBe(2);
  });

  it('answers wait when the hold runs out before the session starts', async () => {
    const clock = new HoldClock();
    const h = await make({}, undefined, undefined, 30, { clock });
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3 });
    const held = clock.nextHold();
    let answered = false;
    const reply = ask(h, 'img', 'pc1').finally(() => (answered = true));
    await held;
    clock.advance(29);
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    clock.advance(1);
    expect(await reply).toMatchObject({ status: 'wait', clientsWaiting: 1, minClients: 3, retryAfterMs: 250 });
  });

  it('never registers a receiver with a runner that is still starting (concurrent first requests)', async () => {
    // Hold every runner's start until both requests are in, and note registrations made before it.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const registeredBeforeStart: number[] = [];
    const h = await make({}, undefined, (real) => (spec, events) => {
      const r = real(spec, events) as RecordingRunner;
      const start = r.start.bind(r);
      r.start = async () => {
        await gate;
        await start();
      };
      const add = r.addReceiver.bind(r);
      r.addReceiver = (id) => {
        if (!r.started) registeredBeforeStart.push(id);
        add(id);
      };
      return r;
    });
    await addImage(h, 'img');
    const both = Promise.all([ask(h, 'img', 'pc1'), ask(h, 'img', 'pc2')]);
    await new Promise((r) => setImmediate(r));
    release();
    const [a, b] = await both;
    if (a?.status !== 'join' || b?.status !== 'join') throw new Error('expected join');
    expect(a.session.id).toBe(b.session.id);
    expect(registeredBeforeStart).toEqual([]);
    expect([...(h.runners[0]?.receivers ?? [])].sort()).toEqual([a.receiverId, b.receiverId].sort());
  });

  it('keeps the session for an agent that resumes into it (its old id leaving does not finish it)', async () => {
    // Like the real engine: the last receiver leaving finishes the session, reported a moment later.
    const h = await make({}, undefined, (real) => (spec, events) => {
      const r = real(spec, events) as RecordingRunner;
      const remove = r.removeReceiver.bind(r);
      r.removeReceiver = (id) => {
        remove(id);
        if (r.receivers.size === 0) queueMicrotask(() => events.finished());
      };
      return r;
    });
    await addImage(h, 'img');
    const first = await ask(h, 'img', 'pc');
    if (first.status !== 'join') throw new Error('expected join');
    // Killed at half and started again at once: the same client, a new receiver id, the same session.
    const again = await ask(h, 'img', 'pc', first.receiverId);
    if (again.status !== 'join') throw new Error('expected join');
    await new Promise((r) => setImmediate(r));
    expect(again.session.id).toBe(first.session.id);
    expect(await sessionOf(h, first.session.id)).toMatchObject({ state: 'running', receivers: [again.receiverId] });
    expect([...(h.runners[0]?.receivers ?? [])]).toEqual([again.receiverId]);
  });

  it('answers an image of zeros only without a session (nothing to send), multicast-only or not; refuses an empty file', async () => {
    const h = await make();
    const zeros = join(h.dir, 'zeros.img');
    writeFileSync(zeros, Buffer.alloc(3 * (1 << 20)));
    for (const [name, multicastOnly] of [['zeros', false], ['zeros-mc', true]] as const) {
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name, file: zeros, multicastOnly } });
      expect(r.statusCode).toBe(201);
      const reply = await ask(h, name, 'pc');
      expect(reply).toMatchObject({ status: 'fallback', reason: 'the image is all zeros: nothing to send' });
      if (reply.status === 'fallback') expect(reply.manifest.zeroChunks).toHaveLength(3);
    }
    expect(h.runners).toHaveLength(0); // it used to build a session with no blocks and answer 422
    const empty = join(h.dir, 'empty.img');
    writeFileSync(empty, '');
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'empty', file: empty } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'DP_IMAGE_FILE', message: expect.stringMatching(/is empty: there is no image to deploy/) });
  });

  it('stops counting a waiting agent toward --min-clients once it stops asking', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3, maxWaitSec: 600 });
    // Two one-off requests (say, machines switched off again), then silence.
    await ask(h, 'img', 'ghost1');
    await ask(h, 'img', 'ghost2');
    h.clock.t += WAITER_TTL_MS + 1000;
    await h.app.dp.sessions.tick();
    const s = (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: admin })).json<Array<{ state: string; waiting: string[] }>>()[0];
    expect(s).toMatchObject({ state: 'waiting', waiting: [] });
    // A real agent now is one of three, not the third: it waits.
    expect(await ask(h, 'img', 'pc1')).toMatchObject({ status: 'wait', clientsWaiting: 1, minClients: 3 });
    // Agents that keep asking stay counted.
    h.clock.t += WAITER_TTL_MS - 1000;
    await ask(h, 'img', 'pc1');
    await ask(h, 'img', 'pc2');
    h.clock.t += 2000;
    await h.app.dp.sessions.tick();
    expect(await ask(h, 'img', 'pc3')).toMatchObject({ status: 'join' });
  });

  it('ends a session started ahead of its agents when none joined within 30 min', async () => {
    const h = await make();
    await addImage(h, 'img');
    const started = await h.app.inject({ method: 'POST', url: '/api/v1/sessions', headers: admin, payload: { image: 'img' } });
    expect(started.statusCode).toBe(201);
    const id = started.json<{ id: number }>().id;
    h.clock.t += UNJOINED_SESSION_MS - 1000;
    await h.app.dp.sessions.tick();
    expect((await sessionOf(h, id)).state).toBe('running');
    h.clock.t += 2000;
    await h.app.dp.sessions.tick();
    expect(await sessionOf(h, id)).toMatchObject({ state: 'cancelled', endReason: 'no agent joined within 30 min of the start' });
    expect(h.runners[0]?.closed).toBeDefined();
  });

  it('tells agents that waited for a cancelled scheduled session to stop, instead of opening a new one for them', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3, maxWaitSec: 600 });
    const w = await ask(h, 'img', 'pc1');
    expect(w.status).toBe('wait');
    const [s] = (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: admin })).json<Array<{ id: number }>>();
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${String(s?.id)}`, headers: admin })).statusCode).toBe(200);
    // pc1 asks again (as it does every 0.25-2 s): it is told, and no new waiting session appears.
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc1' } });
    expect(again.statusCode).toBe(410);
    expect(again.json()).toMatchObject({ error: 'DP_SESSION_CANCELLED', message: 'the administrator cancelled the session for image img that this agent was waiting for' });
    const live = (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: admin })).json<Array<{ state: string }>>().filter((x) => x.state === 'waiting');
    expect(live).toHaveLength(0);
    // So the image can go (it used to stay busy: each cancel was followed by a new waiting session).
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/img', headers: admin })).statusCode).toBe(204);
  });
});
