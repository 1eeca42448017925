// The dashboard's clients table: MAC and IP of each machine, newest attempt first.
import { addImage, admin, client, harnessPerTest, type Harness } from '../testing/harness';
import { DASHBOARD_HTML } from './page';

interface ClientRow {
  machine: string;
  macs: string[];
  ip: string | null;
  startedAt: string;
  endedAt: string | null;
  result: string | null;
}

const status = async (h: Harness): Promise<{ clients: ClientRow[] }> => (await h.app.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json<{ clients: ClientRow[] }>();

async function request(h: Harness, hostname: string, remoteAddress: string, macs?: string[]): Promise<void> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', remoteAddress, headers: client, payload: { image: 'img', hostname, ...(macs ? { macs } : {}) } });
  expect(r.statusCode).toBe(200);
}

describe('dashboard clients table', () => {
  const make = harnessPerTest();

  it('carries machine, MACs and IP, newest attempt first (not most recently heard from)', async () => {
    const h = await make();
    await addImage(h, 'img');
    await request(h, 'vm', '10.7.0.1', ['52:54:00:aa:00:01']);
    h.clock.t += 1_000;
    await request(h, 'vm', '10.7.0.2');
    // The older attempt is heard from last: it must stay second.
    const older = h.app.dp.sessions.clients.list().find((c) => c.ip === '10.7.0.1');
    if (!older) throw new Error('no client from 10.7.0.1');
    h.clock.t += 1_000;
    await h.app.inject({ method: 'POST', url: '/api/v1/agent/progress', headers: client, payload: { receiverId: older.receiverId, image: 'img', state: 'receiving', chunksDone: 1, totalChunks: 3, bytesDone: 0, rateBps: 0, repairedSymbols: 0 } });
    const rows = (await status(h)).clients;
    expect(rows.map((r) => r.ip)).toEqual(['10.7.0.2', '10.7.0.1']);
    expect(rows[1]).toMatchObject({ machine: 'vm', macs: ['52:54:00:aa:00:01'], startedAt: new Date(h.clock.t - 2_000).toISOString(), endedAt: null, result: null });
    expect(rows[0]?.macs).toEqual([]);
  });

  it('the page has MAC and IP columns', () => {
    const header = /<table id="clients">(.*?)<\/table>/s.exec(DASHBOARD_HTML)?.[1] ?? '';
    expect([...header.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['machine', 'MAC', 'IP', 'image', 'state', 'progress', 'rate', 'session', 'started', 'note']);
  });
});
