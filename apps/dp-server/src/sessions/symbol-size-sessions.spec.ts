// Jumbo symbols through the API (issue 29.4): the agent's `mtu`, the session's symbol size in its
// join reply, its runner and its record, and late joiners whose MTU is too small.
import type { AgentRequestReply } from '@castpoint/wire';
import { addImage, admin, client, harnessPerTest, type Harness } from '../testing/harness';

type Join = Extract<AgentRequestReply, { status: 'join' }>;

describe('symbol size per session, by MTU', () => {
  const make = harnessPerTest();
  /** A DP whose multicast interface has a 9000-byte MTU. */
  const jumboDp = (flags: Record<string, unknown> = {}): Promise<Harness> => make(flags, undefined, undefined, 0, { linkMtu: 9000 });

  const ask = async (h: Harness, image: string, hostname: string, mtu?: number): Promise<AgentRequestReply> => {
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image, hostname, ...(mtu !== undefined ? { mtu } : {}) } });
    expect(r.statusCode).toBe(200);
    return r.json<AgentRequestReply>();
  };
  const joined = (r: AgentRequestReply): Join => {
    if (r.status !== 'join') throw new Error(`expected join, got ${JSON.stringify(r)}`);
    return r;
  };

  it('gives an auto-cast session of jumbo agents 8900-byte symbols, in the reply, the runner and the record', async () => {
    const h = await jumboDp();
    await addImage(h, 'img');
    const a = joined(await ask(h, 'img', 'pc1', 9000));
    expect(a.session.symbolSize).toBe(8900);
    expect(h.runners[0]?.spec.symbolSize).toBe(8900);
    expect(joined(await ask(h, 'img', 'pc2', 9000)).session.symbolSize).toBe(8900);
    const s = await h.app.inject({ method: 'GET', url: `/api/v1/sessions/${a.session.id}`, headers: admin });
    expect(s.json()).toMatchObject({ symbolSize: 8900 });
  });

  it('sends a late joiner whose MTU cannot carry the symbols to unicast, saying why; an older agent counts as 1500', async () => {
    const h = await jumboDp();
    await addImage(h, 'img');
    joined(await ask(h, 'img', 'pc1', 9000));
    const late = await ask(h, 'img', 'pc2', 1500);
    expect(late).toMatchObject({ status: 'fallback', reason: "the session sends 8900-byte symbols, more than this agent's MTU of 1500 carries unfragmented (1422)" });
    expect(await ask(h, 'img', 'old-agent')).toMatchObject({ status: 'fallback', reason: expect.stringMatching(/MTU of 1500/) });
    expect(h.runners[0]?.receivers.size).toBe(1);
  });

  it('tells a late small-MTU joiner of a multicast-only image to wait, and sizes the next session for it', async () => {
    const h = await jumboDp();
    await addImage(h, 'img', { multicastOnly: true });
    const a = joined(await ask(h, 'img', 'pc1', 9000));
    expect(await ask(h, 'img', 'pc2', 1500)).toMatchObject({ status: 'wait', reason: expect.stringMatching(/8900-byte symbols.*image is multicast-only: waiting for this session to end/) });
    h.runners[0]?.events.status(a.receiverId, { state: 'done', blocksDone: 1, totalBlocks: 1, rateBps: 0, lossPpm: 0 });
    await new Promise((r) => setImmediate(r));
    const b = joined(await ask(h, 'img', 'pc2', 1500));
    expect(b.session.id).not.toBe(a.session.id);
    expect(b.session.symbolSize).toBe(1400);
  });

  it('sizes a scheduled session by every agent that waited for it: one at 1500 among jumbo ones gives 1400 for all', async () => {
    const h = await jumboDp();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 3 });
    expect((await ask(h, 'img', 'pc1', 9000)).status).toBe('wait');
    expect((await ask(h, 'img', 'pc2', 1500)).status).toBe('wait');
    expect(joined(await ask(h, 'img', 'pc3', 9000)).session.symbolSize).toBe(1400);
    expect(joined(await ask(h, 'img', 'pc2', 1500)).session.symbolSize).toBe(1400);
    expect(h.runners[0]?.spec.symbolSize).toBe(1400);
  });

  it('sizes a scheduled session of jumbo agents at 8900', async () => {
    const h = await jumboDp();
    await addImage(h, 'img', { mode: 'scheduled', minClients: 2 });
    expect((await ask(h, 'img', 'pc1', 9000)).status).toBe('wait');
    expect(joined(await ask(h, 'img', 'pc2', 9000)).session.symbolSize).toBe(8900);
    expect(joined(await ask(h, 'img', 'pc1', 9000)).session.symbolSize).toBe(8900);
  });

  it('keeps 1400 where the DP\'s own link is standard Ethernet, whatever the agents say', async () => {
    const h = await make();
    await addImage(h, 'img');
    expect(joined(await ask(h, 'img', 'pc1', 9000)).session.symbolSize).toBe(1400);
  });

  it('uses a fixed --symbol-size for every session, and still refuses agents it does not fit', async () => {
    const h = await jumboDp({ 'symbol-size': '4000' });
    await addImage(h, 'img');
    expect(joined(await ask(h, 'img', 'pc1', 9000)).session.symbolSize).toBe(4000);
    expect(joined(await ask(h, 'img', 'pc2', 4078)).session.symbolSize).toBe(4000);
    expect((await ask(h, 'img', 'pc3', 4077)).status).toBe('fallback');
  });

  it.each([[100], [70_000], [1500.5], ['jumbo']])('refuses a request with mtu %p (400, nothing registered)', async (mtu) => {
    const h = await jumboDp();
    await addImage(h, 'img');
    const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: client, payload: { image: 'img', hostname: 'pc1', mtu } });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(/mtu/);
    expect(h.runners).toHaveLength(0);
  });
});
