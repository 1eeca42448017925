// Issue 22.4 in a real LAN: an insider with the client token (tools/bench/bin/rogue-nacker.cjs)
// joins a session and NACKs every block every 20 ms, with an honest-looking or a lying status, and
// sends status for thousands of receiver ids it invented. The victims must not be slowed beyond a
// bound, the rogue must be moved out by the slow policy, and the session must end when the victims
// are done although the rogue keeps talking. Built DP and agents inside a private namespace LAN;
// the DP capped at 60 Mbit/s as in the issue (a clean run of this image takes ~5 s).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { dpCli, placeImage, sha256File, startDp, stopDp, writeSampleImage, type RunningDp, type SampleImage } from '@castpoint/bench';
import { collect, describeLan, Lan, type Collected, type Host } from '@castpoint/netlab';
import { agentOn, dpGet, last, requireBuilt, until, workDir } from './e2e-helpers';

const MiB = 1024 * 1024;
const ROGUE = path.resolve(__dirname, '../../tools/bench/bin/rogue-nacker.cjs');

interface Ctx {
  lan: Lan;
  work: string;
  dp: RunningDp;
  img: SampleImage;
}

function host(c: Ctx, i: number): Host {
  const h = c.lan.clients[i];
  if (!h) throw new Error(`the LAN has no client ${i + 1}`);
  return h;
}

/**
 * Deploys to the first two clients; `during` runs once both report progress. Returns the slower
 * agent's seconds, both targets verified.
 */
async function victims(c: Ctx, during?: () => void): Promise<number> {
  const t0 = Date.now();
  const agents = [host(c, 0), host(c, 1)].map((h) => agentOn(c.lan, h, c.dp, c.work, 'img'));
  const timer = setTimeout(() => agents.forEach((a) => a.proc.kill('SIGTERM')), 120_000);
  if (during) {
    await until('the victims receiving', () => agents.every((a) => (last(a)?.percent ?? 0) >= 5), 60_000);
    during();
  }
  const ends = await Promise.all(agents.map((a) => a.ended)).finally(() => clearTimeout(timer));
  const seconds = (Date.now() - t0) / 1000;
  ends.forEach((e, i) => {
    const a = agents[i];
    if (e.code !== 0) throw new Error(`agent ${a?.host.name} exited ${String(e.code ?? e.signal)}; last line ${JSON.stringify(a && last(a))}; stderr: ${e.stderr.slice(-1500)}`);
  });
  for (const a of agents) {
    expect(await sha256File(a.target)).toBe(c.img.sha256);
    rmSync(path.dirname(a.target), { recursive: true, force: true });
  }
  return seconds;
}

function rogue(c: Ctx, seconds: number, extra: string[]): Promise<Collected> {
  const h = host(c, 2);
  return collect(c.lan.spawn(h, process.execPath, [ROGUE, c.dp.url, c.dp.clientToken, 'img', h.ip, String(seconds), ...extra]), (seconds + 60) * 1000);
}

describeLan('attack: a rogue receiver NACKing everything (issue 22.4)', () => {
  requireBuilt();
  let c: Ctx | undefined;
  let aloneS = 0;

  beforeAll(async () => {
    const work = workDir();
    const lan = Lan.create({ clients: 3 });
    try {
      const img = await writeSampleImage(path.join(work, 'image.img'), { size: 32 * MiB, seed: 9, full: true });
      const dp = await startDp(lan, lan.server, { dataDir: path.join(work, 'dp'), maxRate: '60mbit' });
      const add = await dpCli(lan, dp, ['image', 'add', 'img', placeImage(path.join(work, 'dp'), img.path)]);
      if (add.code !== 0) throw new Error(`image add failed: ${add.stderr}${add.stdout}`);
      c = { lan, work, dp, img };
      aloneS = await victims(c);
    } catch (err) {
      lan.destroy();
      rmSync(work, { recursive: true, force: true });
      throw err;
    }
  });

  afterAll(async () => {
    if (!c) return;
    await Promise.race([stopDp(c.dp), new Promise((r) => setTimeout(r, 5000).unref())]);
    c.lan.destroy();
    rmSync(c.work, { recursive: true, force: true });
  });

  it.each([
    ['an honest-looking status, and 20000 invented receiver ids', ['--invent', '20000']],
    ['a lying status (loss 90%, goodput 1 byte/s)', ['--lie']],
  ])('with %s: the rogue is moved out within seconds, the session ends with the victims, who are not held', async (name, extra) => {
    const ctx = c as Ctx;
    const before = (await dpGet<unknown[]>(ctx.lan, ctx.dp, '/api/v1/history')).length;
    // The rogue joins the victims' running session and talks on for well after they end.
    let talking: Promise<Collected> | undefined;
    let joinedAt = 0;
    const withRogueS = await victims(ctx, () => {
      joinedAt = Date.now();
      talking = rogue(ctx, Math.ceil(aloneS * 2 + 10), extra as string[]);
    });
    const history = (await dpGet<Array<{ at: string; event: string; detail?: string }>>(ctx.lan, ctx.dp, '/api/v1/history')).slice(before);
    process.stdout.write(`attack-repair (${String(name)}): victims alone ${aloneS.toFixed(2)} s, beside the rogue ${withRogueS.toFixed(2)} s (x${(withRogueS / aloneS).toFixed(2)}); ${JSON.stringify(history.filter((h) => h.event === 'client-kicked'))}\n`);
    // Moved out by its repair budget (or, lying, by the same-speed floor) within a few seconds.
    const kicks = history.filter((h) => h.event === 'client-kicked');
    expect(kicks.map((h) => h.detail)).toEqual([expect.stringMatching(/^fallback: /)]);
    expect(Date.parse(kicks[0]?.at ?? '') - joinedAt).toBeLessThan(6000);
    // The rogue still talks, and no session is running for it.
    const sessions = await dpGet<Array<{ state: string }>>(ctx.lan, ctx.dp, '/api/v1/sessions');
    expect(sessions.filter((s) => s.state === 'running')).toEqual([]);
    // Before the bound the victims took ~1.9x (flood) and ~4.7x (lying status) their time alone
    // and the session never ended. The strict 1.25x check is the simulator's
    // (libs/repair/src/sim/fairness.spec.ts): on this shared box two runs of the same deployment
    // alone differ by up to 2x, so this bound is loose.
    expect(withRogueS).toBeLessThan(2 * aloneS + 2);
    const r = await (talking as Promise<Collected>);
    expect(r.code).toBe(0);
    const sent = JSON.parse(r.stdout.trim()) as { nacks: number; invented: number };
    expect(sent.nacks).toBeGreaterThan(100);
  });
});
