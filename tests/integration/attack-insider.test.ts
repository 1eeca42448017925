// Issue 22.1: an insider (a host with the client token, as every agent has) registers like an
// agent, learns the session key, and speaks as the DP with it: forged data for one chunk, kicks for
// every receiver id it can learn or guess, "finished" announces. Two agents beside it must finish
// with the verified image (exit 0): forged control packets dropped and counted (unsigned), the
// poisoned chunk discarded and fetched again (by unicast after 3 bad multicast copies).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { sha256File, stopDp } from '@castpoint/bench';
import { collect, describeLan, type Host } from '@castpoint/netlab';
import { agentOn, last, requireBuilt, type Agent, lanWithImage, type Ctx } from './e2e-helpers';

const INSIDER = path.resolve(__dirname, '../../tools/bench/bin/insider.cjs');

function setUp(): Promise<Ctx> {
  return lanWithImage({ clients: 3, sizeMiB: 48, seed: 5, full: true, maxRate: '100mbit' });
}

function host(c: Ctx, i: number): Host {
  const h = c.lan.clients[i];
  if (!h) throw new Error(`the LAN has no client ${i + 1}`);
  return h;
}

async function tearDown(c: Ctx | undefined): Promise<void> {
  if (!c) return;
  await Promise.race([stopDp(c.dp), new Promise((r) => setTimeout(r, 5000).unref())]);
  c.lan.destroy();
  rmSync(c.work, { recursive: true, force: true });
}

/** Starts the insider on client 3 and waits until it has registered (its session is running). */
function insider(c: Ctx, mode: string, seconds: number): ReturnType<typeof collect> {
  const h = host(c, 2);
  return collect(c.lan.spawn(h, process.execPath, [INSIDER, mode, c.dp.url, c.dp.clientToken, 'img', h.ip, String(seconds), '24']), 120_000);
}

async function expectVerified(c: Ctx, agents: Agent[]): Promise<string[]> {
  const timer = setTimeout(() => agents.forEach((a) => a.proc.kill('SIGTERM')), 100_000);
  const ends = await Promise.all(agents.map((a) => a.ended)).finally(() => clearTimeout(timer));
  ends.forEach((e, i) => {
    const a = agents[i];
    if (e.code !== 0) throw new Error(`agent ${a?.host.name} exited ${String(e.code ?? e.signal)}; last line ${JSON.stringify(a && last(a))}; stderr: ${e.stderr.slice(-1500)}`);
  });
  for (const a of agents) expect(await sha256File(a.target)).toBe(c.img.sha256);
  return ends.map((e) => e.stdout + e.stderr);
}

describeLan('an insider with the client token', () => {
  requireBuilt();
  let c: Ctx | undefined;
  afterEach(async () => {
    await tearDown(c);
    c = undefined;
  });

  it('forges kicks and "finished" announces: agents drop and count them, and finish (exit 0)', async () => {
    c = await setUp();
    const ctx = c;
    const forging = insider(ctx, 'forge-control', 12);
    const agents = [0, 1].map((i) => agentOn(ctx.lan, host(ctx, i), ctx.dp, ctx.work, 'img'));
    const outputs = await expectVerified(ctx, agents);
    const f = await forging;
    expect(f.code).toBe(0);
    const sent = JSON.parse(f.stdout.trim()) as { kicksSent: number; finishedSent: number; idsLearned: number };
    expect(sent.kicksSent).toBeGreaterThan(1000);
    expect(sent.finishedSent).toBeGreaterThan(10);
    // It learned the agents' real ids from announces' probe targets: the kicks were addressed right.
    expect(sent.idsLearned).toBeGreaterThanOrEqual(1);
    for (const out of outputs) expect(out).not.toContain('insider: stop now');
    for (const a of agents) expect(Math.max(...a.lines.map((l) => l.badPackets ?? 0))).toBeGreaterThan(0);
  });

  it('forges the data of one chunk: agents discard it, fetch it again and finish (exit 0)', async () => {
    c = await setUp();
    const ctx = c;
    const forging = insider(ctx, 'forge-data', 20);
    const agents = [0, 1].map((i) => agentOn(ctx.lan, host(ctx, i), ctx.dp, ctx.work, 'img'));
    const outputs = await expectVerified(ctx, agents);
    const f = await forging;
    expect(f.code).toBe(0);
    expect((JSON.parse(f.stdout.trim()) as { dataSent: number }).dataSent).toBeGreaterThan(1000);
    // The forgery landed (chunk 24 failed its hash at least once) and cost no agent its deploy.
    expect(outputs.join('\n')).toMatch(/chunk 24 failed its hash/);
  });
});
