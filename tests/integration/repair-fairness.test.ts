// Issue 21.6 in a real LAN: one lossy or slow agent must not hold the others. Built castpoint-dp
// and castpoint-agent processes in a private namespace LAN, the DP's link shaped well below what
// the box can carry so that the shared CPU is not what sets the pace. The strict, deterministic
// checks of the same guarantees are the simulator's (libs/repair/src/sim/fairness.spec.ts); these
// use a margin for the agents' start-up and the busy box.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '@castpoint/bench';
import { collect, describeLan, type Host } from '@castpoint/netlab';
import { agentOn, dpGet, last, requireBuilt, type Agent, lanWithImage, type Ctx, clientOf, tearDown } from './e2e-helpers';


function setUp(clients: number, sizeMiB: number, maxRate: string, imageFlags: string[] = []): Promise<Ctx> {
  return lanWithImage({ clients, sizeMiB, seed: 5, full: true, maxRate, imageFlags });
}


/**
 * Caps what `host` receives at `rate`: a token-bucket shaper (tbf, 256 KB bucket, 50 ms queue) on
 * the bridge's port toward it, as a slow NIC or a 100 Mbit/s switch port would.
 */
async function shapeDownlink(c: Ctx, host: Host, rate: string): Promise<void> {
  const port = `p${c.lan.hosts.indexOf(host)}`;
  const args = ['netns', 'exec', c.lan.bridgeNs, 'tc', 'qdisc', 'replace', 'dev', port, 'root', 'tbf', 'rate', rate, 'burst', '256kb', 'latency', '50ms'];
  const r = await collect(spawn('ip', args, { stdio: 'pipe' }), 10_000);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Runs the agents to the end; returns each one's seconds from start to exit, all verified. */
async function deploy(c: Ctx, hosts: readonly Host[], timeoutMs = 120_000): Promise<{ agents: Agent[]; seconds: number[] }> {
  const t0 = Date.now();
  const agents = hosts.map((h) => agentOn(c.lan, h, c.dp, c.work, 'img'));
  const seconds: number[] = [];
  const timer = setTimeout(() => agents.forEach((a) => a.proc.kill('SIGTERM')), timeoutMs);
  const ends = await Promise.all(agents.map((a, i) => a.ended.then((e) => {
    seconds[i] = (Date.now() - t0) / 1000;
    return e;
  }))).finally(() => clearTimeout(timer));
  ends.forEach((e, i) => {
    const a = agents[i];
    if (e.code !== 0) throw new Error(`agent ${a?.host.name} exited ${String(e.code ?? e.signal)}; last line ${JSON.stringify(a && last(a))}; stderr: ${e.stderr.slice(-1500)}`);
  });
  for (const a of agents) expect(await sha256File(a.target)).toBe(c.img.sha256);
  for (const a of agents) rmSync(path.dirname(a.target), { recursive: true, force: true });
  return { agents, seconds };
}


describeLan('repair fairness (issue 21.6)', () => {
  requireBuilt();
  let c: Ctx | undefined;
  afterEach(async () => {
    await tearDown(c);
    c = undefined;
  });

  it('clean agents beside a 20%-loss agent finish within 1.5x their solo time (plus start-up margin)', async () => {
    c = await setUp(3, 32, '60mbit');
    const ctx = c;
    const solo = await deploy(ctx, [clientOf(ctx, 0)]);
    ctx.lan.setLoss(clientOf(ctx, 2), 0.2);
    const mixed = await deploy(ctx, ctx.lan.clients);
    const soloS = solo.seconds[0] as number;
    const clean = mixed.seconds.slice(0, 2);
    process.stdout.write(`repair-fairness: solo ${soloS.toFixed(2)} s, clean beside 20% loss ${clean.map((s) => s.toFixed(2)).join(', ')} s (x${clean.map((s) => (s / soloS).toFixed(2)).join(', x')}), lossy ${mixed.seconds[2]?.toFixed(2)} s\n`);
    // 1.5 x solo is the simulator's strict bound (sim/fairness.spec.ts). Here three agents and the
    // DP share a 2-core box with other work (load average 9-10 seen): an agent starved of CPU
    // overflows its socket and reads as congested, and same-speed then slows everyone, by
    // contract. So this bound is loose: 1.5x plus 2 s (measured 1.33x at 150 Mbit/s on a quieter
    // box, 2.1x at 150 Mbit/s at load 10, hence 60 Mbit/s here).
    for (const s of clean) expect(s).toBeLessThan(soloS * 1.5 + 2);
  });

  it('tiers: an agent at a third of the session rate gets its own tier within a few seconds', async () => {
    // 60 and 20 Mbit/s (the 120 and 40 scaled down): at 120 Mbit/s on a box at load 10 the
    // DP itself could not send faster than the slow agent took, and then nobody is slow.
    c = await setUp(3, 32, '60mbit', ['--slow-policy', 'tiers']);
    const ctx = c;
    await shapeDownlink(ctx, clientOf(ctx, 2), '20mbit');
    const t0 = Date.now();
    const run = await deploy(ctx, ctx.lan.clients, 180_000);
    const history = await dpGet<Array<{ event: string; at: string; detail?: string }>>(ctx.lan, ctx.dp, '/api/v1/history');
    const kicked = history.filter((h) => h.event === 'client-kicked');
    process.stdout.write(`repair-fairness tiers: agents ${run.seconds.map((s) => s.toFixed(2)).join(', ')} s; kicks ${JSON.stringify(kicked)}\n`);
    // One tier change, for the slow agent, a few seconds in (agents start in ~1 s on a busy box;
    // the engine needs three rate rounds of its reports).
    expect(kicked).toHaveLength(1);
    expect(kicked[0]?.detail).toMatch(/^tier: goodput/);
    // Counted from the slow agent's join: on a box at load ~14 the agents alone took 3 s to start.
    const joined = history.find((h) => h.event === 'client-joined' && h.detail?.startsWith('client3 '));
    const kickS = (Date.parse(kicked[0]?.at ?? '') - Date.parse(joined?.at ?? '')) / 1000;
    process.stdout.write(`repair-fairness tiers: slow agent moved ${kickS.toFixed(2)} s after it joined (${((Date.parse(joined?.at ?? '') - t0) / 1000).toFixed(2)} s after the start)\n`);
    expect(kickS).toBeLessThan(8);
    const sessions = await dpGet<Array<{ image: string; tier: number }>>(ctx.lan, ctx.dp, '/api/v1/sessions');
    expect(sessions.filter((s) => s.image === 'img').map((s) => s.tier).sort()).toEqual([0, 1]);
    // Before, all three finished together at the slow agent's pace (11.4 s each for 48 MiB at
    // 120/40 Mbit/s).
    // Now the clean ones go at the session's rate: well ahead of the slow one, whose own tier
    // also competes on its slow port with the first session's flooded multicast.
    const slow = run.seconds[2] as number;
    for (const s of run.seconds.slice(0, 2)) expect(s).toBeLessThan(0.75 * slow);
  });
});
