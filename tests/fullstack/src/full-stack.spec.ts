// The DP app, its real session runner and real agent deploy flows in one process (./stack.ts,
// ./agent.ts): HTTP on 127.0.0.1, multicast over MemoryNetwork with seeded loss, on virtual time.
// What real processes in a netlab LAN would show, in a fraction of a second per scenario.
import { readFileSync } from 'node:fs';
import { startAgent, type Agent } from './agent';
import { startStack, type Scenario, type Stack } from './stack';

const EXIT_OK = 0;

interface ClientView {
  readonly hostname: string;
  readonly image: string;
  readonly state: string;
  readonly receiverIds: readonly number[];
  readonly chunksDone: number;
  readonly totalChunks: number;
}

interface SessionView {
  readonly id: number;
  readonly image: string;
  readonly state: string;
  readonly encrypted: boolean;
}

describe('full stack: DP app + session runner + agents over MemoryNetwork on virtual time', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    // Undefined when the start itself failed: that failure is the one to read, not a TypeError here.
    await stack?.close();
  });
  afterEach(() => {
    expect(stack.tickErrors).toEqual([]);
  });

  const allDone = (agents: readonly Agent[]) => () => agents.every((a) => a.exit !== undefined);
  const verified = (w: Scenario, a: Agent) => readFileSync(a.target).equals(w.image);
  const sessionsOf = async (w: Scenario) => (await stack.admin<SessionView[]>('/api/v1/sessions')).filter((s) => s.image === w.imageName);
  const clientsOf = async (w: Scenario) => (await stack.admin<ClientView[]>('/api/v1/clients')).filter((c) => c.image === w.imageName);
  /** Exit code, and what the agent said when it is not 0 (a failure then reads as its own words). */
  const outcome = (a: Agent) => ({ host: a.host, exit: a.exit, said: a.exit === EXIT_OK ? '' : a.errs.join('') });

  it('three agents, one session, 2% seeded loss: every image verified, losses repaired by multicast', async () => {
    const w = await stack.scenario({ seed: 23, loss: 0.02 });
    const agents = ['10.0.0.11', '10.0.0.12', '10.0.0.13'].map((ip, i) => startAgent(stack, w, ip, i + 1));
    await w.runUntil(allDone(agents), 60_000);
    for (const a of agents) {
      expect(outcome(a)).toEqual({ host: a.host, exit: EXIT_OK, said: '' });
      expect(verified(w, a)).toBe(true);
      expect(a.ranges).toEqual([]);
      // A first request names no earlier receiver id and no progress.
      expect(a.requests[0]).toEqual({ image: w.imageName, hostname: `pc-${a.host}` });
      expect(a.sent).toContain('nack');
      expect(a.sent.at(-1)).toBe('leave');
      expect(a.last()).toMatchObject({ state: 'done', percent: 100, chunksDone: 2, totalChunks: 2 });
      expect(a.out.filter((l) => l.includes('"state":"done"'))).toHaveLength(1);
      expect(a.errs.join('')).toContain(`receiving multicast on interface eth0 (${a.host}/24), whose subnet holds the DP address 10.0.0.1`);
    }
    // Some losses were made good by parity symbols, not by the block's source again.
    expect(agents.some((a) => Number(a.last()['repairedSymbols']) > 0)).toBe(true);
    expect((await sessionsOf(w)).map((s) => s.state)).toEqual(['done']);
    const [stats] = w.runnerStats();
    expect(stats?.nacksReceived).toBeGreaterThan(0);
    expect(stats?.repairPackets).toBeGreaterThan(0);
    // The DP heard each agent's last progress post.
    expect((await clientsOf(w)).map((c) => [c.state, c.chunksDone, c.totalChunks])).toEqual([
      ['done', 2, 2],
      ['done', 2, 2],
      ['done', 2, 2],
    ]);
  });

  it('a late joiner gets the blocks it missed from the same session, by multicast', async () => {
    const w = await stack.scenario({ seed: 5, loss: 0.02 });
    const first = startAgent(stack, w, '10.0.0.21', 1);
    // The session has sent a third of the image's data packets (400 KB in 1400-byte symbols).
    const third = Math.ceil(400_000 / 1400 / 3);
    await w.runUntil(() => (w.runnerStats()[0]?.dataPackets ?? 0) >= third, 30_000);
    const late = startAgent(stack, w, '10.0.0.22', 2);
    await w.runUntil(allDone([first, late]), 60_000);
    for (const a of [first, late]) {
      expect(outcome(a)).toEqual({ host: a.host, exit: EXIT_OK, said: '' });
      expect(verified(w, a)).toBe(true);
      expect(a.ranges).toEqual([]);
    }
    // One session: the late agent joined the running one rather than starting another.
    const sessions = await sessionsOf(w);
    expect(sessions.map((s) => s.state)).toEqual(['done']);
    expect(first.last()['sessionId']).toBe(sessions[0]?.id);
    expect(late.last()['sessionId']).toBe(sessions[0]?.id);
    expect(w.runnerStats()).toHaveLength(1);
  });

  it('a scheduled, encrypted session: the first agent waits until the second comes, then both share one session', async () => {
    const w = await stack.scenario({ seed: 11, loss: 0.02, settings: { mode: 'scheduled', minClients: 2, maxWaitSec: 600, encrypt: true } });
    const first = startAgent(stack, w, '10.0.0.41', 1);
    await w.runUntil(() => first.requests.length >= 2, 30_000);
    // Told to wait (asked again), and no session runs yet: the DP waits for the second agent.
    expect(w.runnerStats()).toEqual([]);
    expect((await sessionsOf(w)).map((s) => s.state)).toEqual(['waiting']);
    const second = startAgent(stack, w, '10.0.0.42', 2);
    await w.runUntil(allDone([first, second]), 60_000);
    for (const a of [first, second]) {
      expect(outcome(a)).toEqual({ host: a.host, exit: EXIT_OK, said: '' });
      expect(verified(w, a)).toBe(true);
      expect(a.ranges).toEqual([]);
    }
    const sessions = await sessionsOf(w);
    expect(sessions.map((s) => [s.state, s.encrypted])).toEqual([['done', true]]);
    expect(first.last()['sessionId']).toBe(sessions[0]?.id);
    expect(second.last()['sessionId']).toBe(sessions[0]?.id);
    // The DP's numbers as fields (the screen says "1 of 2 clients"); no ETA while nothing is timed.
    const waiting = first.out.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['state'] === 'waiting');
    expect(waiting).toMatchObject({ clientsWaiting: 1, minClients: 2, etaSeconds: null });
  });

  it('an agent whose multicast is blocked falls back to unicast; the others complete by multicast', async () => {
    const w = await stack.scenario({ seed: 7, loss: 0.02 });
    const blocked = '10.0.0.33';
    // Nothing reaches that host: data, announces, repairs (its own reports still reach the DP).
    w.net.setLoss(blocked, 1);
    const agents = ['10.0.0.31', '10.0.0.32', blocked].map((ip, i) => startAgent(stack, w, ip, i + 1));
    await w.runUntil(allDone(agents), 60_000);
    for (const a of agents) {
      expect(outcome(a)).toEqual({ host: a.host, exit: EXIT_OK, said: '' });
      expect(verified(w, a)).toBe(true);
    }
    const [ok1, ok2, cut] = agents as [Agent, Agent, Agent];
    expect(ok1.ranges).toEqual([]);
    expect(ok2.ranges).toEqual([]);
    // The one chunk with data, by HTTP Range (chunk 0 is all zeros and never travels). `image add`
    // compresses by default: the range is in the image's chunk pack, where that chunk (seeded
    // bytes, stored raw since zstd cannot shrink them) is the first thing stored.
    expect(cut.ranges).toEqual([0]);
    expect(cut.errs.join('')).toMatch(/multicast delivered nothing for \d s while the DP answered; downloading the missing chunks by unicast/);
    // The DP heard it ask again after the silence: a second receiver id on its one client record.
    const clients = await clientsOf(w);
    expect(clients.find((c) => c.hostname === `pc-${blocked}`)?.receiverIds).toHaveLength(2);
    expect(clients.map((c) => c.state)).toEqual(['done', 'done', 'done']);
  });
});
