// castpoint-dp as real processes inside a netlab LAN: serve, `image add` through the CLI, a
// multicast session to the real built agent on two client hosts, a DP restart in the middle of
// the session that the agents ride through, the client limit with unicast fallback, and the
// dashboard in headless Chromium following a running session.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collect, describeLan, Lan, type Host } from '@castpoint/netlab';
import { chromium, type Browser } from 'playwright-core';

const ROOT = resolve(__dirname, '../..');
const DP = join(ROOT, 'dist/apps/dp-server/main.cjs');
const AGENT = join(ROOT, 'dist/apps/client-agent/main.cjs');
const ADMIN = 'integration-admin-token-000001';
const CLIENT = 'integration-client-token-00001';
const PORT = 8080;

/** Seeded bytes (no unseeded randomness in tests), with an all-zero chunk in the middle. */
function makeImage(path: string, mib: number): string {
  const chunk = 1 << 20;
  const buf = Buffer.alloc(mib * chunk);
  let x = 0x2545f491;
  for (let i = 0; i < buf.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  buf.fill(0, 2 * chunk, 3 * chunk);
  writeFileSync(path, buf);
  return createHash('sha256').update(buf).digest('hex');
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
}

function track(child: ChildProcess): Running {
  const r: Running = { child, stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (r.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (r.stderr += d));
  return r;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((res) => child.once('exit', (code) => res(code)));
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent's JSON progress lines (--json): state, chunksDone, sessionId, ... */
function lines(r: Running): Array<Record<string, unknown>> {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describeLan('castpoint-dp in a netlab LAN', () => {
  let lan: Lan;
  let dir: string;
  const procs: ChildProcess[] = [];

  beforeAll(() => {
    for (const f of [DP, AGENT]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-it-'));
    lan = Lan.create({ clients: 2 });
  });

  afterEach(async () => {
    for (const p of procs.splice(0)) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await exited(p);
      }
    }
  });

  afterAll(() => {
    lan?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const url = (): string => `http://${lan.server.ip}:${PORT}`;

  function startDp(dataDir: string, extra: readonly string[] = []): Running {
    const child = lan.spawn(lan.server, process.execPath, [
      DP,
      'serve',
      '--data-dir',
      dataDir,
      '--listen',
      `${lan.server.ip}:${PORT}`,
      '--mcast-interface',
      lan.server.ip,
      '--admin-token',
      ADMIN,
      '--client-token',
      CLIENT,
      // The test's images are written next to the data dirs: that directory is the image root.
      '--image-root',
      dir,
      ...extra,
    ]);
    procs.push(child);
    return track(child);
  }

  async function listening(dp: Running): Promise<Record<string, unknown>> {
    const line = await until('the DP to listen', () => dp.stdout.split('\n').find((l) => l.includes('castpoint-dp listening')), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; stdout: ${dp.stdout.slice(-2000)} stderr: ${dp.stderr.slice(-2000)}`);
    });
    return JSON.parse(line) as Record<string, unknown>;
  }

  /** Runs the castpoint-dp CLI inside the server host (the DP's address exists only in the LAN). */
  async function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = lan.spawn(lan.server, process.execPath, [DP, ...args, '--server', url(), '--token', ADMIN]);
    procs.push(child);
    return collect(child, 60_000);
  }

  /**
   * castpoint-agent deploy of image `name` onto the file `out`, in a UTS namespace of its own named
   * after the host (separate machines have their own host names; the DP shows them).
   */
  function agent(host: Host, name: string, out: string): Running {
    const child = lan.spawn(host, 'unshare', ['-u', 'sh', '-c', 'hostname "$0" && exec "$@"', host.name, process.execPath,
      AGENT, 'deploy', '--server', url(), '--token', CLIENT, '--image', name, '--target', out, '--interface', host.ip, '--json',
    ]);
    procs.push(child);
    return track(child);
  }

  /** The DP's client records, by host name. */
  async function clientList(): Promise<Array<{ hostname: string; state: string; fallback: boolean; receiverIds: number[] }>> {
    return JSON.parse((await cli(['client', 'list', '--json'])).stdout) as Array<{ hostname: string; state: string; fallback: boolean; receiverIds: number[] }>;
  }

  it('serves, imports by CLI, multicasts to two hosts, and survives a restart mid-session', async () => {
    const data = join(dir, 'data-restart');
    const img = join(dir, 'restart.img');
    const want = makeImage(img, 24);
    let dp = startDp(data, ['--max-rate', '40mbit']);
    const first = await listening(dp);
    expect(first['epoch']).toBe(1);
    expect(first).toMatchObject({ urls: [url()], dashboard: `${url()}/` });

    const add = await cli(['image', 'add', 'disk', img]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^added image disk: 24\.0 MiB \(25165824 bytes\), 24 chunks, imported in \d+\.\d s; manifest [0-9a-f]{64}\n$/);

    const outs = lan.clients.map((c) => join(dir, `restart-${c.name}.img`));
    const rx = lan.clients.map((c, i) => agent(c, 'disk', outs[i] ?? ''));
    // Restart once both agents hold some chunks but neither is complete.
    await until('both agents to be part way', () => (rx.every((r) => lines(r).some((e) => Number(e['chunksDone']) >= 4)) ? true : undefined), 60_000);
    expect(rx.every((r) => !lines(r).some((e) => e['state'] === 'done'))).toBe(true);
    dp.child.kill('SIGTERM');
    expect(await exited(dp.child)).toBe(0);
    expect(dp.stdout).toMatch(/"msg":"stopped"/);

    dp = startDp(data, ['--max-rate', '40mbit']);
    const second = await listening(dp);
    expect(second['epoch']).toBe(2);
    expect(dp.stdout).not.toMatch(/token generated/);

    const codes = await Promise.all(rx.map((r) => exited(r.child)));
    expect(codes.map((c, i) => (c === 0 ? 0 : `${c}: ${rx[i]?.stderr ?? ''}`))).toEqual([0, 0]);
    for (const r of rx) {
      expect(lines(r).at(-1)).toMatchObject({ state: 'done', exitCode: 0 });
      // Everything by multicast: no chunk came by HTTP Range.
      expect(r.stderr).not.toMatch(/by unicast/);
    }
    for (const o of outs) expect(sha256(o)).toBe(want);
    // Each agent registered exactly once: they rode through the restart without asking again.
    for (const c of await clientList()) expect(c.receiverIds).toHaveLength(1);

    let final: Array<{ id: number; state: string; endReason?: string }> = [];
    for (let i = 0; i < 20; i++) {
      final = JSON.parse((await cli(['session', 'list', '--json'])).stdout) as typeof final;
      if (final[0]?.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ state: 'done' });
    const clients = await clientList();
    expect(clients.map((c) => [c.hostname, c.state]).sort()).toEqual([
      ['client1', 'done'],
      ['client2', 'done'],
    ]);
    const metrics = await collect(lan.spawn(lan.server, 'curl', ['-s', `${url()}/metrics`]), 10_000);
    expect(metrics.stdout).toMatch(/castpoint_dp_sessions\{state="done"\} 1/);
    dp.child.kill('SIGTERM');
    expect(await exited(dp.child)).toBe(0);
  });

  it('enforces --max-clients: the second agent is told to fall back and downloads by HTTP Range', async () => {
    const data = join(dir, 'data-limit');
    const img = join(dir, 'limit.img');
    const want = makeImage(img, 6);
    const dp = startDp(data, ['--max-clients', '1', '--max-rate', '4mbit']);
    await listening(dp);
    expect((await cli(['image', 'add', 'small', img])).code).toBe(0);
    const outs = lan.clients.map((c) => join(dir, `limit-${c.name}.img`));
    const first = agent(lan.clients[0] as Host, 'small', outs[0] ?? '');
    // 6 MiB at 4 Mbit/s: the first agent is still receiving (so counted) when the second asks.
    await until('the first agent to join', () => (lines(first).some((e) => e['sessionId'] !== undefined) ? true : undefined), 20_000);
    const second = agent(lan.clients[1] as Host, 'small', outs[1] ?? '');
    expect(await Promise.all([exited(first.child), exited(second.child)])).toEqual([0, 0]);
    expect(first.stderr).not.toMatch(/by unicast/);
    expect(second.stderr).toMatch(/The DP sent this client to unicast download \(client limit reached \(1 of 1 receiving\)\); downloading the missing chunks by unicast/);
    for (const o of outs) expect(sha256(o)).toBe(want);
    expect((await clientList()).find((c) => c.hostname === 'client2')).toMatchObject({ state: 'done', fallback: true });
    const history = await collect(lan.spawn(lan.server, 'curl', ['-s', '-H', `authorization: Bearer ${ADMIN}`, `${url()}/api/v1/history`]), 10_000);
    const fellBack = (JSON.parse(history.stdout) as Array<{ event: string; detail?: string }>).find((e) => e.event === 'client-fallback');
    expect(fellBack?.detail).toMatch(/client limit reached/);
  });

  it('runs a scheduled, encrypted session once --min-clients agents wait, all in one session', async () => {
    const data = join(dir, 'data-sched');
    const img = join(dir, 'sched.img');
    const want = makeImage(img, 8);
    const dp = startDp(data, ['--max-rate', '100mbit']);
    await listening(dp);
    const add = await cli(['image', 'add', 'sched', img, '--mode', 'scheduled', '--min-clients', '2', '--max-wait', '60', '--encrypt']);
    expect(add.code).toBe(0);
    const outs = lan.clients.map((c) => join(dir, `sched-${c.name}.img`));
    const first = agent(lan.clients[0] as Host, 'sched', outs[0] ?? '');
    await until('the first agent to be told to wait', () => (lines(first).some((e) => e['state'] === 'waiting') ? true : undefined), 20_000);
    const waiting = JSON.parse((await cli(['session', 'list', '--json'])).stdout) as Array<{ state: string; waiting: string[]; encrypted: boolean }>;
    expect(waiting[0]).toMatchObject({ state: 'waiting', waiting: [`client1@${(lan.clients[0] as Host).ip}`], encrypted: true });
    const second = agent(lan.clients[1] as Host, 'sched', outs[1] ?? '');
    expect(await Promise.all([exited(first.child), exited(second.child)])).toEqual([0, 0]);
    const joined = [first, second].map((r) => lines(r).at(-1)?.['sessionId']);
    expect(joined[0]).toBeDefined();
    expect(joined[0]).toBe(joined[1]);
    for (const o of outs) expect(sha256(o)).toBe(want);
    const history = (await cli(['session', 'list', '--json'])).stdout;
    expect(JSON.parse(history)).toMatchObject([{ state: 'done', mode: 'scheduled' }]);
  });

  it('shows a running session live in the dashboard (headless Chromium inside the LAN)', async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
    const data = join(dir, 'data-dash');
    const img = join(dir, 'dash.img');
    makeImage(img, 16);
    const dp = startDp(data, ['--max-rate', '16mbit']);
    await listening(dp);
    expect((await cli(['image', 'add', 'dash', img])).code).toBe(0);
    const rx = agent(lan.clients[0] as Host, 'dash', join(dir, 'dash-out.img'));
    // Chromium must run inside the server host to reach the DP's address.
    const wrapper = join(dir, 'chromium-in-lan.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lan.server.ns} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: wrapper,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage();
      await page.goto(`${url()}/#token=${ADMIN}`);
      // The token leaves the address bar at once (it is kept in sessionStorage).
      expect(page.url()).toBe(`${url()}/`);
      await page.waitForSelector('#sessions tr[data-state="running"]', { timeout: 30_000 });
      await page.waitForSelector('#clients tr[data-state="receiving"], #clients tr[data-state="repairing"]', { timeout: 30_000 });
      expect(await page.textContent('#conn')).toBe('live');
      const pct = async (): Promise<number> => Number(((await page.textContent('#clients tr[data-client-id] .pct')) ?? '').replace(/[^0-9]/g, ''));
      const before = await pct();
      // Progress moves on the page without a reload: the server-sent events redraw it.
      for (let i = 0; (await pct()) <= before + 10; i++) {
        if (i > 300) throw new Error(`dashboard progress stayed at ${before}%`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Throughput is measured over one-second ticks: the first figure shows after a tick or two.
      const throughput = async (): Promise<string> => (await page.textContent('#sessions tr[data-state="running"] .throughput')) ?? '';
      for (let i = 0; Number.parseFloat(await throughput()) <= 1; i++) {
        if (i > 50) throw new Error(`dashboard throughput stayed at ${await throughput()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await throughput()).toMatch(/^\d+\.\d Mbit\/s$/);
      // The pacer caps whole datagrams at 16 Mbit/s.
      expect(Number.parseFloat(await throughput())).toBeLessThan(20);
      expect(await page.textContent('#images tr[data-image="dash"]')).toContain('dash');
      await page.waitForSelector('#clients tr[data-state="done"]', { timeout: 60_000 });
      await page.waitForSelector('#sessions tr[data-state="done"]', { timeout: 10_000 });
      expect(await pct()).toBe(100);
      // A wrong token: the page says so and shows the form (it used to say "reconnecting" for ever).
      const wrong = await browser.newPage();
      await wrong.goto(`${url()}/#token=not-the-admin-token`);
      await wrong.waitForSelector('#login:not([hidden])', { timeout: 15_000 });
      expect(await wrong.textContent('#conn')).toBe('token refused: enter your token');
      expect(await wrong.evaluate('sessionStorage.getItem("castpoint-token")')).toBeNull();
    } finally {
      await browser?.close();
    }
    expect(await exited(rx.child)).toBe(0);
  });
});
