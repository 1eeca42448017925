// `castpoint-dp serve` as a process: what it refuses at start, with one line each, and its stop.
// Stopped by a signal while its log reader goes away at the same moment (Ctrl-C on
// `castpoint-dp serve | tee log`, a service manager stopping `dp | logger`) it must still exit:
// until 2026-11-24 it hung for good in pino's synchronous flush on exit, retrying EPIPE.
// No session runs: the DP only listens for HTTP on 127.0.0.1 here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');

function startDp(dataDir: string, listen = '127.0.0.1:0') {
  const child = spawn(process.execPath, [DP, 'serve', '--data-dir', dataDir, '--listen', listen, '--mcast-interface', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('castpoint-dp listening')) resolve();
    });
    void exited.then(() => reject(new Error(`the DP exited before listening: ${out}`)));
  });
  return { child, exited, listening };
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
      // A first start prints the tokens it generated even when it cannot listen (they are kept).
      expect(r.stdout).toMatch(/^admin token: \S+\nclient token: \S+\n$/);
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
