// `castpoint-dp serve` as a process: what it refuses at start, with one line each, and its stop.
// Stopped by a signal while its log reader goes away at the same moment (Ctrl-C on
// `castpoint-dp serve | tee log`, a service manager stopping `dp | logger`) it must still exit:
// until 2026-11-24 it hung for good in pino's synchronous flush on exit, retrying EPIPE.
// No session runs: the DP only listens for HTTP on 127.0.0.1 here.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, describeLan, Lan, waitForLine } from '@castpoint/netlab';

// CASTPOINT_DP_MAIN: run another build of the DP (e.g. an older one, to see a test fail) instead of dist/.
const DP = process.env['CASTPOINT_DP_MAIN'] ?? path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');

interface StartLine {
  url: string;
  urls: string[];
  dashboard: string;
  msg: string;
}

function startDp(dataDir: string, listen = '127.0.0.1:0', extra: readonly string[] = []) {
  const child = spawn(process.execPath, [DP, 'serve', '--data-dir', dataDir, '--listen', listen, '--mcast-interface', '127.0.0.1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const output = { stdout: '', stderr: '' };
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  /** The "listening" log line. */
  const startLine = new Promise<StartLine>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output.stdout += d.toString();
      const line = output.stdout.split('\n').find((l) => l.includes('castpoint-dp listening'));
      if (line) resolve(JSON.parse(line) as StartLine);
    });
    void exited.then(() => reject(new Error(`the DP exited before listening: ${output.stdout}${output.stderr}`)));
  });
  /** The URL from the "listening" log line. */
  const listening = startLine.then((l) => l.url);
  return { child, exited, listening, startLine, output };
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

describe('castpoint-dp serve, stopped', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-stop-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 on %s even when its log pipe closes at the same moment', async (signal) => {
    const dp = startDp(path.join(dir, 'data'));
    try {
      await dp.listening;
      dp.child.stdout.destroy(); // the reader dies...
      dp.child.kill(signal); // ...as the DP is told to stop
      expect(await within(dp.exited, 8000)).toEqual({ code: 0, signal: null });
    } finally {
      dp.child.kill('SIGKILL');
    }
  });

  it('still writes its last log line to a reader that stays', async () => {
    const dp = startDp(path.join(dir, 'data'));
    let out = '';
    dp.child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await dp.listening;
      dp.child.kill('SIGTERM');
      expect(await within(dp.exited, 8000)).toEqual({ code: 0, signal: null });
      expect(out).toMatch(/"msg":"stopped"/);
    } finally {
      dp.child.kill('SIGKILL');
    }
  });
});

describe('castpoint-dp serve, its start line', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-line-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names every URL it answers on (the bound port) and the dashboard, which answers', async () => {
    const dp = startDp(path.join(dir, 'data'));
    try {
      const line = await dp.startLine;
      const port = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(line.url)?.[1];
      expect(Number(port)).toBeGreaterThan(0);
      expect(line.urls).toEqual([`http://127.0.0.1:${String(port)}`]);
      expect(line.dashboard).toBe(`http://127.0.0.1:${String(port)}/`);
      expect(line.msg).toBe(`castpoint-dp listening on http://127.0.0.1:${String(port)}; dashboard http://127.0.0.1:${String(port)}/`);
      const page = await fetch(line.dashboard);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    } finally {
      dp.child.kill('SIGKILL');
    }
  });
});

// Listening on 0.0.0.0 only inside a netlab namespace: its one non-internal address is the LAN's.
describeLan('castpoint-dp serve on 0.0.0.0, its start line', () => {
  let lan: Lan | undefined;
  let dir = '';
  beforeAll(() => {
    lan = Lan.create({ clients: 1 });
    dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-line-lan-'));
  }, 120_000);
  afterAll(() => {
    lan?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("names the host's LAN address, not 127.0.0.1, and the dashboard there answers", async () => {
    if (!lan) throw new Error('no LAN');
    const ip = lan.server.ip;
    const dp = lan.spawn(lan.server, process.execPath, [DP, 'serve', '--data-dir', path.join(dir, 'data'), '--listen', '0.0.0.0:8080', '--mcast-interface', ip]);
    try {
      const line = JSON.parse(await waitForLine(dp, /castpoint-dp listening.*\}$/, 20_000)) as StartLine;
      expect(line.urls).toEqual([`http://${ip}:8080`]);
      expect(line.dashboard).toBe(`http://${ip}:8080/`);
      expect(line.msg).toBe(`castpoint-dp listening on http://${ip}:8080; dashboard http://${ip}:8080/`);
      // From the client's namespace, as a technician's browser would.
      const page = await collect(lan.spawn(lan.clients[0] ?? lan.server, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', line.dashboard]), 10_000);
      expect(page.stdout).toBe('200');
    } finally {
      dp.kill('SIGKILL');
    }
  });
});

describe('castpoint-dp serve, refusals at start (one line, no stack trace)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-start-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serveOnce = (args: string[]) => spawnSync(process.execPath, [DP, 'serve', '--data-dir', path.join(dir, 'data'), ...args], { encoding: 'utf8', timeout: 20_000 });

  it('refuses a second DP on the same data dir (they would overwrite each other\'s state)', async () => {
    const first = startDp(path.join(dir, 'data'));
    try {
      await first.listening;
      const second = serveOnce(['--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1']);
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`^castpoint-dp: data-dir .* is in use by another castpoint-dp \\(pid ${String(first.child.pid)}\\)`));
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      first.child.kill('SIGTERM');
      await within(first.exited, 8000);
    }
    // Stopped, it gave the data dir back.
    const again = startDp(path.join(dir, 'data'));
    try {
      await again.listening;
    } finally {
      again.child.kill('SIGKILL');
    }
  });

  it('says in one line that its port is in use', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as AddressInfo;
    try {
      const r = serveOnce(['--listen', `127.0.0.1:${port}`, '--mcast-interface', '127.0.0.1']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`castpoint-dp: cannot listen on 127.0.0.1:${port}: the address is in use (another castpoint-dp?)\n`);
      // A first start says where the tokens it generated are even when it cannot listen (they are kept).
      expect(r.stdout).toBe(
        `admin token generated: ${path.join(dir, 'data', 'admin.token')} (mode 0600; give it to the CLI and the dashboard)\n` +
          `operator token generated: ${path.join(dir, 'data', 'operator.token')} (mode 0600; give it to who runs sessions and deployments)\n` +
          `viewer token generated: ${path.join(dir, 'data', 'viewer.token')} (mode 0600; give it to who watches the dashboard)\n` +
          `capture token generated: ${path.join(dir, 'data', 'capture.token')} (mode 0600; give it to who captures reference machines (castpoint-agent capture --token))\n` +
          `client token generated: ${path.join(dir, 'data', 'client.token')} (mode 0600; give it to the agents)\n`,
      );
    } finally {
      busy.close();
    }
  });

  it('refuses an --mcast-interface this host does not have, before listening', () => {
    const r = serveOnce(['--listen', '127.0.0.1:0', '--mcast-interface', '10.9.9.9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^castpoint-dp: mcast-interface 10\.9\.9\.9 is not an address of this host; it has .*127\.0\.0\.1 \(lo\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('castpoint-dp command line switches', () => {
  it.each(['--encrypt=1', '--encrypt=yes', '--multicast-only=on', '--json=maybe'])('refuses %s (yargs read it as false) before contacting the DP', (flag) => {
    // Port 9 on loopback: were the DP contacted, the error would be "cannot reach", exit 1.
    const r = spawnSync(process.execPath, [DP, 'image', 'add', 'x', '/tmp/x.img', flag, '--server', 'http://127.0.0.1:9', '--token', 'admin-token-0123456789'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`castpoint-dp: --${flag.slice(2, flag.indexOf('='))} is a switch: give it alone (or =true / =false), got "${flag}"\n`);
  });
});

describe('castpoint-dp command line mistakes: one line naming the mistake, exit 2, the DP not contacted', () => {
  // Port 9 on loopback: were the DP contacted, the error would be "cannot reach", exit 1.
  const api = ['--server', 'http://127.0.0.1:9', '--token', 'admin-token-0123456789'];
  const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

  it.each([
    [['image', 'list', '--servr', 'http://127.0.0.1:9'], 'unknown option --servr: did you mean --server?'],
    [['image', 'set', 'win11', '--min-client', '3', ...api], 'unknown option --min-client: did you mean --min-clients?'],
    [['serve', '--data-dri', '/tmp/x'], 'unknown option --data-dri: did you mean --data-dir?'],
    [['image', 'list', '--frobnicate', ...api], 'unknown option --frobnicate'],
    [['image', 'lst', ...api], 'unknown command "lst": did you mean list?'],
    [['session', 'cancel', 'abc', ...api], 'session id must be a number, as `castpoint-dp session list` shows it (got "abc")'],
    [['image', 'add', 'my image', '/tmp/x.img', ...api], `bad image name "my image": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`],
    [['image', 'add', 'x', '/tmp/x.img', '--mode', 'scheduled', '--min-clients', 'abc', ...api], '--min-clients: expected a whole number (got "abc")'],
    [['image', 'set', 'win11', ...api], 'image set: name a setting to change: --mode, --min-clients, --start-delay, --start-at, --max-wait, --slow-policy, --[no-]encrypt or --[no-]multicast-only'],
  ])('%j', (args, message) => {
    const r = spawnSync(process.execPath, [DP, ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toBe(`castpoint-dp: ${message}`);
    expect(r.stderr).not.toMatch(/cannot reach|\bat .*main\.cjs/);
  });
});

describe('castpoint-dp serve, tokens', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-tokens-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs a node command without blocking the event loop (the DP's output is read meanwhile). */
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const get = async (url: string, token: string): Promise<number> => (await fetch(`${url}/api/v1/images`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('writes generated tokens to 0600 files in the data dir and never to stdout or stderr (the log stream)', async () => {
    const data = path.join(dir, 'data');
    const dp = startDp(data);
    try {
      const url = await dp.listening;
      const admin = readFileSync(path.join(data, 'admin.token'), 'utf8').trim();
      const client = readFileSync(path.join(data, 'client.token'), 'utf8').trim();
      for (const f of ['admin.token', 'client.token']) expect(statSync(path.join(data, f)).mode & 0o777).toBe(0o600);
      expect(await get(url, admin)).toBe(200);
      // The admin CLI takes the file as it is (--token-file keeps the token out of ps too).
      const list = await run([DP, 'image', 'list', '--json', '--server', url, '--token-file', path.join(data, 'admin.token')]);
      expect(list).toMatchObject({ code: 0, stdout: '[]\n' });
      dp.child.kill('SIGTERM');
      expect(await within(dp.exited, 8000)).toEqual({ code: 0, signal: null });
      expect(dp.output.stdout).toContain(`admin token generated: ${path.join(data, 'admin.token')}`);
      for (const t of [admin, client]) {
        expect(dp.output.stdout).not.toContain(t);
        expect(dp.output.stderr).not.toContain(t);
      }
    } finally {
      dp.child.kill('SIGKILL');
    }
  });

  it('takes the tokens from --admin-token-file / --client-token-file (nothing secret in its command line)', async () => {
    const admin = path.join(dir, 'admin');
    const client = path.join(dir, 'client');
    writeFileSync(admin, 'admin-token-from-file-000001\n', { mode: 0o600 });
    writeFileSync(client, 'client-token-from-file-00001\n', { mode: 0o600 });
    const dp = startDp(path.join(dir, 'data'), '127.0.0.1:0', ['--admin-token-file', admin, '--client-token-file', client]);
    try {
      const url = await dp.listening;
      expect(await get(url, 'admin-token-from-file-000001')).toBe(200);
      expect(await get(url, 'client-token-from-file-00001')).toBe(403);
      expect(readFileSync(`/proc/${String(dp.child.pid)}/cmdline`, 'utf8')).not.toContain('token-from-file');
      // The admin and client tokens were given, so neither is generated or printed (the operator
      // and viewer tokens, not given, are: docs/dp-server.md, Roles).
      expect(dp.output.stdout).not.toMatch(/(admin|client) token generated/);
    } finally {
      dp.child.kill('SIGKILL');
    }
  });

  it('refuses a token file others can read, and a token given both ways, in one line', () => {
    const admin = path.join(dir, 'admin');
    writeFileSync(admin, 'admin-token-from-file-000001\n');
    chmodSync(admin, 0o644);
    const base = [DP, 'serve', '--data-dir', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1'];
    const open = spawnSync(process.execPath, [...base, '--admin-token-file', admin], { encoding: 'utf8', timeout: 20_000 });
    expect(open.status).toBe(2);
    expect(open.stderr).toBe(`castpoint-dp: admin-token-file ${admin}: its group or other users may read or write it (mode 0644): chmod 600 it\n`);
    chmodSync(admin, 0o600);
    const both = spawnSync(process.execPath, [...base, '--admin-token-file', admin], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, CASTPOINT_ADMIN_TOKEN: 'admin-token-from-env-0000001' } });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^castpoint-dp: admin-token and admin-token-file are both given: give one/);
  });
});
