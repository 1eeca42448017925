import { utimesSync } from 'node:fs';
import { addImage, admin, ADMIN, ask, client, harnessPerTest, patterned } from '../testing/harness';

describe('dp-server API', () => {
  const make = harnessPerTest();

  it('refuses admin routes without a token (401) and with the wrong one (403)', async () => {
    const h = await make();
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: client })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).statusCode).toBe(200);
    // And the agent routes take only the client token.
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: admin, payload: { image: 'x', hostname: 'h' } });
    expect(r.statusCode).toBe(403);
  });

  it('imports an image: manifest stored, file referenced, listed with its settings', async () => {
    const h = await make();
    await addImage(h, 'win11', { mode: 'scheduled', minClients: 3, maxWaitSec: 600, slowPolicy: 'disconnect:2000', encrypt: true });
    const list = (await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: admin })).json<Array<Record<string, unknown>>>();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'win11', file: h.file, size: 2 * (1 << 20) + 300_000, chunks: 3 });
    expect(list[0]?.['settings']).toMatchObject({ mode: 'scheduled', minClients: 3, encrypt: true, slowPolicy: { kind: 'disconnect', kbps: 2000 } });
    const dup = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'win11', file: h.file } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: 'DP_IMAGE_EXISTS' });
  });

  it.each([
    ['../etc', 'path tricks'],
    ['a/b', 'slash'],
    ['.hidden', 'leading dot'],
    ['x'.repeat(65), 'too long'],
  ])('rejects the image name %j (%s) with 400 and a reason', async (name) => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name, file: h.file } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/name/);
  });

  it('answers bad bodies with 400 naming the field, and oversized bodies with 413', async () => {
    const h = await make();
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'a', file: h.file, mode: 'sometimes' } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/mode/);
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'a', file: 'relative/path.img' } });
    expect(bad.statusCode).toBe(422);
    const huge = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'a', file: '/' + 'x'.repeat(70_000) } });
    expect(huge.statusCode).toBe(413);
    const auto = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'a', file: h.file, minClients: 2 } });
    expect(auto.statusCode).toBe(400);
    expect(auto.json<{ message: string }>().message).toMatch(/scheduled/);
  });

  it('auto-cast: the first request starts a session, later ones join it with fresh receiver ids', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    const b = await ask(h, 'img', 'pc2');
    if (a.status !== 'join' || b.status !== 'join') throw new Error('expected join');
    expect(a.session.id).toBe(b.session.id);
    expect(a.receiverId).not.toBe(b.receiverId);
    expect(a.senderId).toBe(a.receiverId);
    expect(a.session.protocolVersion).toBe(1);
    expect(a.session).toMatchObject({ group: '239.255.0.1', port: 63000, senderAddress: '127.0.0.1', senderPort: 63000, mode: 'autocast', fallbackAllowed: true });
    expect(Buffer.from(a.session.key, 'base64')).toHaveLength(32);
    expect(a.manifest.chunks).toHaveLength(3);
    expect(h.runners).toHaveLength(1);
    expect(h.runners[0]?.started).toBe(true);
    expect([...(h.runners[0]?.receivers ?? [])]).toEqual([a.receiverId, b.receiverId]);
    expect(h.runners[0]?.spec.senderId).toBe((0x80000000 | 1) >>> 0);
  });

  it('gives concurrent sessions distinct groups and ports', async () => {
    const h = await make();
    await addImage(h, 'one');
    await addImage(h, 'two');
    const [a, b] = await Promise.all([ask(h, 'one', 'pc1'), ask(h, 'two', 'pc2')]);
    if (a?.status !== 'join' || b?.status !== 'join') throw new Error('expected join');
    expect(`${a.session.group}:${a.session.port}`).not.toBe(`${b.session.group}:${b.session.port}`);
    expect(a.session.group).not.toBe(b.session.group);
    expect(a.session.port).not.toBe(b.session.port);
  });

  it('ends a session when every receiver is done, and the next request starts a new one', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const r = h.runners[0];
    r?.events.status(a.receiverId, { state: 'receiving', blocksDone: 10, totalBlocks: 40, rateBps: 1e6, lossPpm: 0 });
    const mid = (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ state: string; progress: number }>>();
    expect(mid[0]).toMatchObject({ state: 'receiving', progress: 0.25 });
    const p = await h.app.inject({
      method: 'POST',
      url: '/api/v1/agent/progress',
      headers: client,
      payload: { receiverId: a.receiverId, image: 'img', state: 'done', chunksDone: 3, totalChunks: 3, bytesDone: 2 * (1 << 20) + 300_000, rateBps: 1e6, repairedSymbols: 4 },
    });
    expect(p.statusCode).toBe(200);
    const s = (await h.app.inject({ method: 'GET', url: `/api/v1/sessions/${a.session.id}`, headers: admin })).json<{ state: string; key?: string }>();
    expect(s.state).toBe('done');
    expect(s.key).toBeUndefined();
    expect(r?.closed).toBe('quiet');
    const again = await ask(h, 'img', 'pc3');
    if (again.status !== 'join') throw new Error('expected join');
    expect(again.session.id).not.toBe(a.session.id);
  });

  it("never shows a client's progress going back while it stays registered (blocks received vs chunks written)", async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const shown = async () => (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ progress: number }>>()[0]?.progress;
    h.runners[0]?.events.status(a.receiverId, { state: 'receiving', blocksDone: 20, totalBlocks: 40, rateBps: 1e6, lossPpm: 0 });
    expect(await shown()).toBe(0.5);
    // The agent's own report counts chunks written, which trail the blocks received.
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/v1/agent/progress',
      headers: client,
      payload: { receiverId: a.receiverId, image: 'img', state: 'receiving', chunksDone: 1, totalChunks: 3, bytesDone: 1 << 20, rateBps: 1e6, repairedSymbols: 0 },
    });
    expect(r.statusCode).toBe(200);
    expect(await shown()).toBe(0.5); // was 0.33: back and forth between the two scales
    // Registered again (a resumed agent with 1 chunk journaled): it starts from what it holds.
    const again = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc1', previousReceiverId: a.receiverId, chunksDone: 1 } });
    expect(again.statusCode).toBe(200);
    expect(await shown()).toBeCloseTo(1 / 3);
  });

  it('PATCH: null clears a scheduled field and autocast clears them all', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 2, maxWaitSec: 300 });
    const patch = (payload: Record<string, unknown>) => h.app.inject({ method: 'PATCH', url: '/api/v1/images/img', headers: admin, payload });
    const cleared = await patch({ minClients: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json<{ settings: Record<string, unknown> }>().settings).toEqual(expect.not.objectContaining({ minClients: expect.anything() }));
    expect(cleared.json<{ settings: Record<string, unknown> }>().settings).toMatchObject({ mode: 'scheduled', maxWaitSec: 300 });
    const back = await patch({ mode: 'autocast' });
    expect(back.statusCode).toBe(200);
    expect(back.json<{ settings: Record<string, unknown> }>().settings).toEqual({ multicastOnly: false, encrypt: false, mode: 'autocast', slowPolicy: { kind: 'same-speed' } });
    expect((await patch({ minClients: 'three' })).statusCode).toBe(400);
  });

  it("keeps a client's message while its state holds, and drops it when a new state comes without one", async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const report = (state: string, message?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/agent/progress',
        headers: client,
        payload: { receiverId: a.receiverId, image: 'img', state, chunksDone: 3, totalChunks: 3, bytesDone: 1, rateBps: 0, repairedSymbols: 0, ...(message ? { message } : {}) },
      });
    const shown = async () => (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ state: string; message?: string }>>()[0];
    await report('repairing', 'syncing the target');
    expect(await shown()).toMatchObject({ state: 'repairing', message: 'syncing the target' });
    await report('repairing');
    expect(await shown()).toMatchObject({ message: 'syncing the target' });
    await report('done');
    const done = await shown();
    expect(done?.state).toBe('done');
    expect(done?.message).toBeUndefined();
  });

  it('scheduled: waits for min clients, then everyone joins the one session', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 2, maxWaitSec: 300 });
    const w = await ask(h, 'img', 'pc1');
    expect(w).toMatchObject({ status: 'wait', clientsWaiting: 1, minClients: 2 });
    expect(h.runners).toHaveLength(0);
    const w2 = await ask(h, 'img', 'pc1');
    expect(w2).toMatchObject({ status: 'wait', clientsWaiting: 1 });
    const j = await ask(h, 'img', 'pc2');
    expect(j.status).toBe('join');
    const j1 = await ask(h, 'img', 'pc1');
    expect(j1.status).toBe('join');
    if (j.status === 'join' && j1.status === 'join') expect(j1.session.id).toBe(j.session.id);
  });

  it('scheduled: machines sharing one host name (same preinstall image) count as different clients', async () => {
    const h = await make();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 2, maxWaitSec: 300 });
    expect(await ask(h, 'img', 'minint-pe', undefined, '10.0.0.11')).toMatchObject({ status: 'wait', clientsWaiting: 1 });
    expect(await ask(h, 'img', 'minint-pe', undefined, '10.0.0.11')).toMatchObject({ status: 'wait', clientsWaiting: 1 });
    expect((await ask(h, 'img', 'minint-pe', undefined, '10.0.0.12')).status).toBe('join');
  });

  it('scheduled: starts at max-wait with fewer clients (the tick), and at start-delay', async () => {
    const h = await make();
    await addImage(h, 'late', { mode: 'scheduled', minClients: 5, maxWaitSec: 60 });
    expect((await ask(h, 'late', 'pc1')).status).toBe('wait');
    h.clock.t += 59_000;
    await h.app.dp.sessions.tick();
    expect(h.runners).toHaveLength(0);
    h.clock.t += 1_000;
    await h.app.dp.sessions.tick();
    expect(h.runners).toHaveLength(1);
    expect((await ask(h, 'late', 'pc1')).status).toBe('join');

    await addImage(h, 'timed', { mode: 'scheduled', startDelaySec: 30 });
    const w = await ask(h, 'timed', 'pc9');
    expect(w).toMatchObject({ status: 'wait', startsAt: new Date(h.clock.t + 30_000).toISOString() });
    h.clock.t += 30_000;
    expect((await ask(h, 'timed', 'pc9')).status).toBe('join');
  });

  it('enforces --max-clients: fallback when allowed, wait for a multicast-only image', async () => {
    const h = await make({ 'max-clients': 1 });
    await addImage(h, 'open');
    await addImage(h, 'strict', { multicastOnly: true });
    expect((await ask(h, 'open', 'pc1')).status).toBe('join');
    const f = await ask(h, 'open', 'pc2');
    expect(f).toMatchObject({ status: 'fallback', contentPath: '/api/v1/agent/images/open/content' });
    const w = await ask(h, 'strict', 'pc3');
    expect(w.status).toBe('wait');
    if (w.status === 'wait') expect(w.reason).toMatch(/client limit/);
    const clients = (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ hostname: string; state: string }>>();
    expect(clients.find((c) => c.hostname === 'pc2')?.state).toBe('fallback');
  });

  it('serves fallback content with HTTP Range, and refuses it for multicast-only images', async () => {
    const h = await make();
    await addImage(h, 'open');
    await addImage(h, 'strict', { multicastOnly: true });
    const url = '/api/v1/agent/images/open/content';
    const part = await h.app.inject({ method: 'GET', url, headers: { ...client, range: 'bytes=1048570-1048580' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1048570-1048580/${2 * (1 << 20) + 300_000}`);
    const whole = Buffer.concat([patterned(1 << 20, 1), Buffer.alloc(1 << 20), patterned(300_000, 2)]);
    expect(part.rawPayload.equals(whole.subarray(1048570, 1048581))).toBe(true);
    expect((await h.app.inject({ method: 'GET', url, headers: { ...client, range: 'bytes=9999999-' } })).statusCode).toBe(416);
    expect((await h.app.inject({ method: 'GET', url, headers: { ...client, range: 'bytes=0-1,5-9' } })).statusCode).toBe(416);
    expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const strict = await h.app.inject({ method: 'GET', url: '/api/v1/agent/images/strict/content', headers: { ...client, range: 'bytes=0-9' } });
    expect(strict.statusCode).toBe(403);
    // A changed file is never served as the image.
    utimesSync(h.file, new Date(), new Date(Date.now() + 5000));
    expect((await h.app.inject({ method: 'GET', url, headers: { ...client, range: 'bytes=0-9' } })).statusCode).toBe(422);
  });

  it('kicks by policy: fallback kick marks the client, tier kick re-asks into a slower tier session', async () => {
    const h = await make();
    await addImage(h, 'img', { slowPolicy: 'tiers' });
    const a = await ask(h, 'img', 'slow');
    const b = await ask(h, 'img', 'fast');
    if (a.status !== 'join' || b.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.kicked(a.receiverId, 'tier', 'below the group rate');
    const again = await ask(h, 'img', 'slow', a.receiverId);
    if (again.status !== 'join') throw new Error('expected join');
    expect(again.session.id).not.toBe(a.session.id);
    expect(h.runners[1]?.spec.rateBytesPerSec).toBe(Math.floor((h.runners[0]?.spec.rateBytesPerSec ?? 0) / 2));
    const clients = (await h.app.inject({ method: 'GET', url: '/api/v1/clients', headers: admin })).json<Array<{ hostname: string; receiverIds: number[] }>>();
    expect(clients.find((c) => c.hostname === 'slow')?.receiverIds).toEqual([a.receiverId, again.receiverId]);
    h.runners[0]?.events.kicked(b.receiverId, 'fallback', 'below 2000 KB/s');
    expect(await ask(h, 'img', 'fast', b.receiverId)).toMatchObject({ status: 'fallback' });
  });

  it('starts a session at a max-rate the admin set (start-rate auto), a slower tier and the default cap by probing', async () => {
    const set = await make({ 'max-rate': '100mbit' });
    await addImage(set, 'img', { slowPolicy: 'tiers' });
    const a = await ask(set, 'img', 'slow');
    if (a.status !== 'join') throw new Error('expected join');
    expect(set.runners[0]?.spec).toMatchObject({ rateBytesPerSec: 12_500_000, startAtCap: true });
    set.runners[0]?.events.kicked(a.receiverId, 'tier', 'below the group rate');
    const again = await ask(set, 'img', 'slow', a.receiverId);
    if (again.status !== 'join') throw new Error('expected join');
    // Half the admin's cap is no rate anybody chose for this machine's path.
    expect(set.runners[1]?.spec.rateBytesPerSec).toBe(6_250_000);
    expect(set.runners[1]?.spec.startAtCap).toBeUndefined();
    for (const flags of [{}, { 'max-rate': '100mbit', 'start-rate': 'probe' }]) {
      const h = await make(flags);
      await addImage(h, 'img');
      expect((await ask(h, 'img', 'pc1')).status).toBe('join');
      expect(h.runners[0]?.spec.startAtCap).toBeUndefined();
    }
  });

  it('cancels a session: runner closed with a kick, clients failed, 409 the second time', async () => {
    const h = await make();
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    if (a.status !== 'join') throw new Error('expected join');
    const r = await h.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${a.session.id}`, headers: admin });
    expect(r.json()).toMatchObject({ state: 'cancelled' });
    expect(h.runners[0]?.closed).toMatchObject({ reason: 'fail' });
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${a.session.id}`, headers: admin })).statusCode).toBe(409);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/sessions/999', headers: admin })).statusCode).toBe(404);
  });

  it('refuses to remove an image with a live session, removes it otherwise', async () => {
    const h = await make();
    await addImage(h, 'img');
    await h.app.inject({ method: 'POST', url: '/api/v1/sessions', headers: admin, payload: { image: 'img' } });
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/img', headers: admin })).statusCode).toBe(409);
    const sessions = (await h.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: admin })).json<Array<{ id: number }>>();
    await h.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${sessions[0]?.id ?? 0}`, headers: admin });
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/images/img', headers: admin })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images/img', headers: admin })).statusCode).toBe(404);
  });

  it('keeps state across a restart: same session, key, group and port; new epoch; ids never reused', async () => {
    const h = await make({}, undefined, (f) => f, 0, { persist: true });
    await addImage(h, 'img');
    const a = await ask(h, 'img', 'pc1');
    const done = await ask(h, 'img', 'pc2');
    if (a.status !== 'join' || done.status !== 'join') throw new Error('expected join');
    h.runners[0]?.events.status(done.receiverId, { state: 'done', blocksDone: 40, totalBlocks: 40, rateBps: 0, lossPpm: 0 });
    await h.app.close();
    expect(h.runners[0]?.closed).toBe('quiet');
    const h2 = await make({}, h.dir);
    expect(h2.runners).toHaveLength(1);
    const spec = h2.runners[0]?.spec;
    expect(spec).toMatchObject({ sessionId: a.session.id, group: a.session.group, port: a.session.port, senderId: (0x80000000 | 2) >>> 0 });
    expect(Buffer.from(spec?.key ?? []).toString('base64')).toBe(a.session.key);
    // pc2 finished before the restart: the resumed session does not wait for it again.
    expect(spec?.receivers).toEqual([a.receiverId]);
    const b = await ask(h2, 'img', 'pc1', a.receiverId);
    if (b.status !== 'join') throw new Error('expected join');
    expect(b.session.id).toBe(a.session.id);
    expect(b.receiverId).not.toBe(a.receiverId);
    expect([...(h2.runners[0]?.receivers ?? [])]).toEqual([b.receiverId]);
  });

  it('streams a dashboard snapshot (SSE), serves the page, the OpenAPI document and metrics', async () => {
    const h = await make();
    await addImage(h, 'img');
    await ask(h, 'img', 'pc1');
    const ev = await h.app.inject({ method: 'GET', url: `/api/v1/events?once=true&token=${ADMIN}` });
    expect(ev.headers['content-type']).toMatch(/text\/event-stream/);
    const data = /^data: (.*)$/m.exec(ev.payload)?.[1];
    const snap = JSON.parse(data ?? '{}') as { sessions: Array<{ image: string; state: string }>; clients: Array<{ hostname: string }> };
    expect(snap.sessions[0]).toMatchObject({ image: 'img', state: 'running' });
    expect(snap.clients[0]).toMatchObject({ hostname: 'pc1' });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/events?once=true&token=nope-nope-nope-nope' })).statusCode).toBe(403);
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.payload).toContain('EventSource');
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/images', '/api/v1/agent/request', '/api/v1/agent/progress']));
    expect((await h.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
    const m = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.payload).toMatch(/castpoint_dp_sessions\{state="running"\} 1/);
    expect(m.payload).toMatch(/castpoint_dp_clients\{state="waiting"\} 1/);
  });

  it('answers 404 for an unknown receiver in progress reports and an unknown image in requests', async () => {
    const h = await make();
    const p = await h.app.inject({
      method: 'POST',
      url: '/api/v1/agent/progress',
      headers: client,
      payload: { receiverId: 77, image: 'img', state: 'receiving', chunksDone: 0, totalChunks: 3, bytesDone: 0, rateBps: 0, repairedSymbols: 0 },
    });
    expect(p.statusCode).toBe(404);
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'none', hostname: 'pc' } });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: 'DP_IMAGE_NOT_FOUND' });
  });
});
