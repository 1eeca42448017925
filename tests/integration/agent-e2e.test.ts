// castpoint-agent (the packaged linux-x64 single executable) against the real castpoint-dp in a
// netlab LAN: multicast with loss and repair on several clients, and a DP killed and restarted
// mid-transfer. Everything runs inside the LAN's namespaces; jest only starts processes.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, describeLan, Lan, waitForLine, type Collected, type Host } from '@castpoint/netlab';

const root = path.resolve(__dirname, '../..');
// CASTPOINT_DP_MAIN: run another build of the DP (a developer's bundle) instead of dist/.
const dpMain = process.env['CASTPOINT_DP_MAIN'] ?? path.join(root, 'dist/apps/dp-server/main.cjs');
const agentBundle = path.join(root, 'dist/apps/client-agent/main.cjs');
const agentBinary = path.join(root, 'dist/castpoint-agent-linux-x64');

/** The packaged agent, (re)built when missing or older than its bundle (same rule as agent-package.test.ts). */
function ensureAgentBinary(): string {
  if (!existsSync(agentBundle)) {
    execFileSync(process.execPath, ['tools/build/bundle.mjs', 'apps/client-agent/src/main.ts', agentBundle], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(agentBinary) || statSync(agentBinary).mtimeMs < statSync(agentBundle).mtimeMs) {
    execFileSync(process.execPath, ['apps/client-agent/scripts/package.mjs', '--only', 'linux-x64'], { cwd: root, stdio: 'inherit' });
  }
  return agentBinary;
}
const ADMIN = 'e2e-admin-token-0123456789';
const CLIENT = 'e2e-client-token-0123456789';

function ensureDp(): void {
  if (!existsSync(dpMain)) {
    execFileSync(process.execPath, ['tools/build/bundle.mjs', 'apps/dp-server/src/main.ts', dpMain], { cwd: root, stdio: 'inherit' });
  }
}

interface JsonLine {
  state: string;
  percent: number;
  repairedSymbols: number;
}

function jsonLines(out: Collected): JsonLine[] {
  return out.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine);
}

describeLan('castpoint-agent against castpoint-dp in a LAN', () => {
  let lan: Lan | undefined;
  let dir = '';
  let agent = '';
  const procs: ChildProcess[] = [];
  const dpLogs = new Map<ChildProcess, () => string>();

  beforeAll(() => {
    agent = ensureAgentBinary();
    ensureDp();
    lan = Lan.create({ clients: 3 });
    dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-e2e-'));
  }, 300_000);

  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    lan?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startDp(dataDir: string, extra: string[] = []): ChildProcess {
    if (!lan) throw new Error('no LAN');
    const ip = lan.server.ip;
    const dp = lan.spawn(lan.server, process.execPath, [
      dpMain, 'serve', '--data-dir', dataDir, '--listen', `${ip}:8080`, '--mcast-interface', ip,
      '--admin-token', ADMIN, '--client-token', CLIENT, '--group-range', '239.255.90.0/24', '--image-root', dir, ...extra,
    ]);
    procs.push(dp);
    // Always drain the DP's log: a full pipe would block its (synchronous) logger and freeze it.
    let log = '';
    const keep = (d: Buffer): void => {
      log = (log + d.toString()).slice(-20_000);
    };
    dp.stdout?.on('data', keep);
    dp.stderr?.on('data', keep);
    dpLogs.set(dp, () => log);
    return dp;
  }

  async function addImage(name: string, file: string, flags: string[] = []): Promise<void> {
    if (!lan) throw new Error('no LAN');
    const r = await collect(
      lan.spawn(lan.server, process.execPath, [dpMain, 'image', 'add', name, file, '--server', `http://${lan.server.ip}:8080`, '--token', ADMIN, ...flags]),
      120_000,
    );
    if (r.code !== 0) throw new Error(`image add failed: ${r.stderr}${r.stdout}`);
  }

  function deploy(host: Host, image: string, target: string, extra: string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
    if (!lan) throw new Error('no LAN');
    const p = lan.spawn(host, agent, ['deploy', '--server', `http://${lan.server.ip}:8080`, '--image', image, '--target', target, '--token', CLIENT, ...extra], env ? { env } : {});
    procs.push(p);
    return p;
  }

  it('three agents receive one image by multicast; the one on a 3%-loss link repairs; all verify and exit 0', async () => {
    if (!lan) throw new Error('no LAN');
    const image = Buffer.concat([randomBytes(12 << 20), Buffer.alloc(3 << 20), randomBytes((5 << 20) + 1234)]);
    const file = path.join(dir, 'img-a.bin');
    writeFileSync(file, image);
    const dp = startDp(path.join(dir, 'dp-a'));
    await waitForLine(dp, /castpoint-dp listening/, 20_000);
    await addImage('img-a', file);
    lan.setLoss(lan.clients[2] as Host, 0.03);
    const targets = lan.clients.map((h) => path.join(dir, `a-${h.name}.img`));
    // The lossy one also writes through the page cache (--no-direct-io); the others by direct I/O.
    // Each agent's own temporary directory: the executable writes koffi's binary there to load it.
    const tmps = lan.clients.map((h) => mkdtempSync(path.join(dir, `tmp-${h.name}-`)));
    const agents = lan.clients.map((h, i) => deploy(h, 'img-a', targets[i] ?? '', i === 2 ? ['--no-direct-io'] : [], { ...process.env, TMPDIR: tmps[i] }));
    const seen = agents.map((a) => {
      let tail = '';
      a.stdout?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-600)));
      return () => tail;
    });
    const outs = await Promise.all(agents.map((a) => collect(a, 90_000))).catch((err: unknown) => {
      const dpLog = dpLogs.get(dp)?.() ?? '';
      throw new Error(`${(err as Error).message}\nagents' last output:\n${seen.map((f) => f()).join('\n---\n')}\nDP log tail:\n${dpLog.slice(-3000)}`);
    });
    outs.forEach((o, i) => {
      expect({ client: i + 1, code: o.code, stderr: o.stderr }).toEqual({ client: i + 1, code: 0, stderr: expect.any(String) as string });
      expect(o.stderr).not.toContain('by unicast');
      expect(Buffer.compare(readFileSync(targets[i] ?? ''), image)).toBe(0);
      const lines = jsonLines(o);
      expect(lines[lines.length - 1]).toMatchObject({ state: 'done', percent: 100 });
    });
    const written = outs.map((o) => /wrote (\d+) chunks by direct I\/O and (\d+) through the page cache/.exec(o.stderr)?.slice(1).map(Number));
    const direct = takesDirectIo(dir);
    expect(written[0]?.[0]).toBe(direct ? 17 : 0); // 17 whole data chunks; the 1234-byte tail is cached
    expect(written[1]?.[0]).toBe(direct ? 17 : 0);
    expect(written[2]).toEqual([0, 18]);
    // The single executable carries koffi's linux-x64 binary and loaded it for the group socket's
    // recvmmsg (libs/transport recvmmsg.ts): without the asset it falls back to read(2) unseen.
    const koffiBinary = readFileSync(path.join(root, 'node_modules/koffi/build/koffi/linux_x64/koffi.node'));
    for (const t of tmps) {
      const loaded = readdirSync(path.join(t, 'castpoint-agent')).filter((f) => /^koffi-[0-9a-f]{16}\.node$/.test(f));
      expect(loaded).toHaveLength(1);
      expect(readFileSync(path.join(t, 'castpoint-agent', loaded[0] ?? '')).equals(koffiBinary)).toBe(true);
    }
    const lossy = jsonLines(outs[2] as Collected);
    expect(lossy[lossy.length - 1]?.repairedSymbols).toBeGreaterThan(0);
    expect(lan.droppedBy(lan.clients[2] as Host)).toBeGreaterThan(0);
    lan.setLoss(lan.clients[2] as Host, 0);
    dp.kill('SIGTERM');
    await collect(dp, 20_000).catch(() => undefined);
  });

  it('keeps the data and finishes when the DP is killed and restarted mid-transfer', async () => {
    if (!lan) throw new Error('no LAN');
    const image = randomBytes(40 << 20);
    const file = path.join(dir, 'img-b.bin');
    writeFileSync(file, image);
    const dataDir = path.join(dir, 'dp-b');
    // 40 Mbit/s: the 40 MiB image takes about 8 s, so the kill lands in the middle.
    let dp = startDp(dataDir, ['--max-rate', '40mbit']);
    await waitForLine(dp, /castpoint-dp listening/, 20_000);
    await addImage('img-b', file);
    const target = path.join(dir, 'b.img');
    const client = lan.clients[0] as Host;
    const agentProc = deploy(client, 'img-b', target, ['--silence-timeout', '3']);
    const run = collect(agentProc, 180_000);
    // Kill the DP once the agent holds some of the image (JSON lines: stdout is a pipe).
    await waitForLine(agentProc, /"percent":(1\d|[2-8]\d)(\.\d)?,/, 60_000);
    dp.kill('SIGKILL');
    await collect(dp, 10_000).catch(() => undefined);
    // Down for longer than the agent's silence timeout (3 s): it must notice and re-register.
    await new Promise((r) => setTimeout(r, 5000));
    dp = startDp(dataDir, ['--max-rate', '40mbit']);
    await waitForLine(dp, /castpoint-dp listening/, 20_000);
    const out = await run;
    expect(out.stderr).toMatch(/asking the DP again|no longer knows this client/);
    expect(out.code).toBe(0);
    // Data received before the kill was kept: progress never went back.
    const percents = jsonLines(out).map((l) => l.percent);
    expect(percents.some((p) => p >= 10 && p < 100)).toBe(true);
    expect(percents.every((p, i) => i === 0 || p >= (percents[i - 1] ?? 0))).toBe(true);
    expect(Buffer.compare(readFileSync(target), image)).toBe(0);
    dp.kill('SIGTERM');
    await collect(dp, 20_000).catch(() => undefined);
  });

  it('an unknown image exits 4 and a wrong token exits 3', async () => {
    if (!lan) throw new Error('no LAN');
    const dp = startDp(path.join(dir, 'dp-c'));
    await waitForLine(dp, /castpoint-dp listening/, 20_000);
    const out = await collect(deploy(lan.clients[1] as Host, 'no-such-image', path.join(dir, 'c.img')), 60_000);
    expect(out.code).toBe(4);
    expect(out.stderr).toMatch(/\(exit 4, image-unknown\)\n$/);
    const bad = await collect(
      lan.spawn(lan.clients[1] as Host, agent, ['deploy', '--server', `http://${lan.server.ip}:8080`, '--image', 'x', '--target', path.join(dir, 'd.img'), '--token', 'wrong']),
      60_000,
    );
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/HTTP 403/);
    dp.kill('SIGTERM');
    await collect(dp, 20_000).catch(() => undefined);
  });
});

/** Whether files in `dir` can be opened with O_DIRECT (ext4, xfs and tmpfs can; some file systems cannot). */
function takesDirectIo(dir: string): boolean {
  const probe = path.join(dir, 'o-direct-probe');
  writeFileSync(probe, '');
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}
