// `castpoint-dp machine list` and `history` with --limit/--after against an in-process DP (fetch
// answered by inject()): keyset pages that cover everything once, and the next cursor printed.
import { testIo } from '../testing/cli-io';
import { ADMIN, admin, harness, type Harness } from '../testing/harness';
import { apiClient, print } from './api-args';
import { historyCommand } from './deployment-commands';
import { machineList as machineListCommand, type FleetIo } from './fleet-commands';

describe('castpoint-dp machine list / history --limit --after', () => {
  let h: Harness;
  const api = { server: 'http://dp.test:8080', token: ADMIN };
  beforeAll(async () => {
    h = await harness();
    const csv = Array.from({ length: 5 }, (_, i) => `pg-0${i},52:54:00:0e:00:0${i}`).join('\n');
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/machines/import', headers: admin, payload: { csv } })).statusCode).toBe(201);
    const s = h.app.dp.store.sql;
    const m = await s.machines.get('pg-00');
    // Five attempts, two of them in the same millisecond: the cursor's id tells them apart.
    for (const [i, ms] of [0, 1000, 2000, 2000, 3000].entries()) {
      await s.history.refused({ machineId: m.id, machineName: 'pg-00', deploymentId: null, deploymentName: 'd', image: 'img', startedAt: new Date(Date.UTC(2026, 11, 1) + ms) }, `attempt ${i}`);
    }
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  function fleetIo() {
    const io = testIo(h.app);
    const fleet: FleetIo = { api: (a) => apiClient(a, io, {}), print: (a, v, r) => print(io, a, v, r) };
    return { io, fleet };
  }

  /** `machine list` with the flags as yargs hands them over. */
  async function machineList(flags: { limit?: number; after?: string; json?: boolean }): Promise<string> {
    const { io, fleet } = fleetIo();
    await machineListCommand({ ...api, ...flags }, fleet);
    return io.stdout.join('');
  }

  it('machine list --limit pages by id with --after, and --json carries the next cursor', async () => {
    const p1 = JSON.parse(await machineList({ limit: 2, json: true })) as { machines: Array<{ name: string }>; next: number | null };
    expect(p1.machines.map((m) => m.name)).toEqual(['pg-00', 'pg-01']);
    expect(p1.next).toEqual(expect.any(Number));
    const p2 = JSON.parse(await machineList({ limit: 2, after: String(p1.next), json: true })) as typeof p1;
    expect(p2.machines.map((m) => m.name)).toEqual(['pg-02', 'pg-03']);
    const text = await machineList({ limit: 2, after: String(p2.next) });
    expect(text).toMatch(/^NAME\s+STATE/);
    expect(text).toContain('pg-04');
    expect(text.trim().split('\n').at(-1)).toBe('(last page)');
    expect((await machineList({ limit: 2 })).trim().split('\n').at(-1)).toBe(`next page: --after ${String(p1.next)}`);
    // Without the flags: every machine, as a plain array (what scripts read until now).
    expect((JSON.parse(await machineList({ json: true })) as unknown[]).length).toBe(5);
  });

  it('machine list refuses a bad --limit or --after before asking the DP', async () => {
    await expect(machineList({ limit: 0 })).rejects.toThrow('--limit must be a whole number from 1 to 1000 (got 0)');
    await expect(machineList({ after: 'abc' })).rejects.toThrow(/--after: a machine list cursor is the number a previous page printed/);
  });

  it('history --limit walks every entry once, newest first, across entries of the same millisecond', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (let pages = 0; after !== null; pages++) {
      if (pages > 5) throw new Error('the cursor does not advance');
      const { io, fleet } = fleetIo();
      await historyCommand({ ...api, json: true, machine: 'pg-00', limit: 2, ...(after ? { after } : {}) }, fleet);
      const page = JSON.parse(io.stdout.join('')) as { entries: Array<{ message: string }>; next: string | null };
      seen.push(...page.entries.map((e) => e.message));
      after = page.next;
    }
    expect(seen).toEqual(['attempt 4', 'attempt 3', 'attempt 2', 'attempt 1', 'attempt 0']);
    const { io, fleet } = fleetIo();
    await historyCommand({ ...api, machine: 'pg-00', limit: 4 }, fleet);
    expect(io.stdout.join('').trim().split('\n').at(-1)).toMatch(/^next page: --after \d+\.\d+$/);
  });

  it('a history cursor that no page gave is 400 DP_BAD_CURSOR', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/v1/machine-history?after=yesterday', headers: admin });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'DP_BAD_CURSOR' });
  });
});
