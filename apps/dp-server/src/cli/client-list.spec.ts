// `castpoint-dp client list` and the agent request's identity fields, against an in-process DP
// (inject; no socket): who asked (MAC, IP, machine name), when, for how long, and how it ended.
import type { AgentRequestReply } from '@castpoint/wire';
import { ADMIN, addImage, client, harnessPerTest, type Harness } from '../testing/harness';
import { testIo } from '../testing/cli-io';
import type { ClientRecord } from '../state/types';
import { clientRow, localTime } from './client-rows';
import { clientList } from './session-commands';

const api = { server: 'http://dp.test:8080', token: ADMIN };

async function request(h: Harness, payload: Record<string, unknown>, remoteAddress = '10.7.0.21'): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', remoteAddress, headers: client, payload: { image: 'img', ...payload } });
  return { status: r.statusCode, body: r.json<Record<string, unknown>>() };
}

async function progress(h: Harness, receiverId: number, state: 'receiving' | 'done'): Promise<void> {
  const r = await h.app.inject({
    method: 'POST',
    url: '/api/v1/agent/progress',
    headers: client,
    payload: { receiverId, image: 'img', state, chunksDone: state === 'done' ? 3 : 1, totalChunks: 3, bytesDone: 0, rateBps: 0, repairedSymbols: 0 },
  });
  expect(r.statusCode).toBe(200);
}

const clients = (h: Harness): readonly ClientRecord[] => h.app.dp.sessions.clients.list();

describe('client identity on agent requests', () => {
  const make = harnessPerTest();

  it('records the request address, the MACs (as sent) and the start of the attempt', async () => {
    const h = await make();
    await addImage(h, 'img');
    const r = await request(h, { hostname: 'vm', macs: ['52:54:00:aa:00:02', '52:54:00:aa:00:01'] });
    expect(r.status).toBe(200);
    const [c] = clients(h);
    expect(c).toMatchObject({ hostname: 'vm', ip: '10.7.0.21', macs: ['52:54:00:aa:00:02', '52:54:00:aa:00:01'], startedAt: new Date(h.clock.t).toISOString() });
    expect(c?.machine).toBeUndefined();
  });

  it('names the client after the SQL store machine that has one of its MACs', async () => {
    const h = await make();
    await addImage(h, 'img');
    await h.app.dp.store.sql.machines.add({ name: 'lab-pc-07', macs: ['52:54:00:AA:00:01'] }, new Date(h.clock.t));
    await request(h, { hostname: 'vm', macs: ['52-54-00-aa-00-09', '52:54:00:aa:00:01'] });
    expect(clients(h)[0]?.machine).toBe('lab-pc-07');
  });

  it('an old agent without macs still joins (no ip-less or mac-less failure)', async () => {
    const h = await make();
    await addImage(h, 'img');
    const r = await request(h, { hostname: 'old' });
    expect(r.status).toBe(200);
    expect(clients(h)[0]?.macs).toBeUndefined();
  });

  it.each([
    ['a malformed MAC', { macs: ['not-a-mac'] }, 'expected a MAC address'],
    ['65 MACs', { macs: Array.from({ length: 65 }, (_, i) => `52:54:00:00:00:${i.toString(16).padStart(2, '0')}`) }, 'must NOT have more than 64 items'],
    ['a string for the list', { macs: '52:54:00:00:00:01' }, 'must be array'],
  ])('refuses %s with a reason and registers nobody', async (_what, extra, reason) => {
    const h = await make();
    await addImage(h, 'img');
    const r = await request(h, { hostname: 'pc', ...extra });
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toContain(reason);
    expect(clients(h)).toHaveLength(0);
  });

  it('keeps the end and the result of the attempt at its first terminal state', async () => {
    const h = await make();
    await addImage(h, 'img');
    const join = (await request(h, { hostname: 'pc', macs: ['52:54:00:aa:00:01'] })).body as Extract<AgentRequestReply, { status: 'join' }>;
    const t0 = h.clock.t;
    h.clock.t += 30_000;
    await progress(h, join.receiverId, 'receiving');
    expect(clients(h)[0]?.endedAt).toBeUndefined();
    h.clock.t += 60_000;
    await progress(h, join.receiverId, 'done');
    h.clock.t += 5_000;
    await progress(h, join.receiverId, 'done');
    expect(clients(h)[0]).toMatchObject({ startedAt: new Date(t0).toISOString(), endedAt: new Date(t0 + 90_000).toISOString(), result: 'done' });
  });
});

describe('castpoint-dp client list', () => {
  const make = harnessPerTest();

  it('shows machine, MAC, IP, local start, duration and result, newest first', async () => {
    const h = await make();
    await addImage(h, 'img');
    await h.app.dp.store.sql.machines.add({ name: 'lab-pc-07', macs: ['52:54:00:aa:00:07'] }, new Date(h.clock.t));
    const first = (await request(h, { hostname: 'vm', macs: ['52:54:00:aa:00:07', '52:54:00:bb:00:07'] }, '10.7.0.7')).body as { receiverId: number };
    h.clock.t += 125_000;
    await progress(h, first.receiverId, 'done');
    h.clock.t += 1_000;
    await request(h, { hostname: 'vm', macs: ['52:54:00:aa:00:08'] }, '10.7.0.8');

    const io = testIo(h.app);
    io.clock.t = h.clock.t + 10_000;
    await clientList(api, io);
    const lines = io.stdout.join('').trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['MACHINE', 'MAC', 'IP', 'IMAGE', 'STATE', 'PROGRESS', 'STARTED', 'DURATION', 'RESULT', 'SESSION', 'MESSAGE']);
    // STARTED is in the local zone of the machine running the test (formatting per zone: below).
    const t0 = Date.parse('2026-11-24T00:00:00Z');
    expect(lines[1]).toMatch(new RegExp(`^vm\\s+52:54:00:aa:00:08\\s+10\\.7\\.0\\.8\\s+img\\s+waiting\\s+0%\\s+${localTime(t0 + 126_000)}\\s+10\\.0 s so far\\s+-\\s+\\d+\\s+-$`));
    expect(lines[2]).toMatch(new RegExp(`^lab-pc-07\\s+52:54:00:aa:00:07 \\+1\\s+10\\.7\\.0\\.7\\s+img\\s+done\\s+100%\\s+${localTime(t0)}\\s+2 min 05 s\\s+done\\s+\\d+`));
    expect(lines).toHaveLength(3);
  });

  it('--json keeps every field, newest first', async () => {
    const h = await make();
    await addImage(h, 'img');
    await request(h, { hostname: 'a', macs: ['52:54:00:aa:00:01'] }, '10.7.0.1');
    h.clock.t += 1_000;
    await request(h, { hostname: 'b' }, '10.7.0.2');
    const io = testIo(h.app);
    await clientList({ ...api, json: true }, io);
    const rows = JSON.parse(io.stdout.join('')) as ClientRecord[];
    expect(rows.map((r) => r.hostname)).toEqual(['b', 'a']);
    expect(rows[1]).toMatchObject({ ip: '10.7.0.1', macs: ['52:54:00:aa:00:01'], receiverIds: expect.any(Array), firstSeen: expect.any(String), lastSeen: expect.any(String) });
  });

  it('a record from before these fields shows its host name and first-seen time, dashes for the rest', () => {
    const row = clientRow({ id: 3, hostname: 'pc3', image: 'img', state: 'failed', progress: 0.5, firstSeen: '2026-11-24T10:00:00Z' }, Date.parse('2026-11-24T10:00:30Z'), 'Europe/Berlin');
    expect(row).toMatchObject({ machine: 'pc3', mac: undefined, ip: undefined, started: '2026-11-24 11:00:00', duration: '30.0 s so far', result: undefined, progress: '50%' });
    expect(localTime(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('2026-07-01 14:00:00');
    expect(localTime(Date.parse('2026-07-01T23:59:59Z'), 'UTC')).toBe('2026-07-01 23:59:59');
  });
});
