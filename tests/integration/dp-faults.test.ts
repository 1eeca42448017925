// `castpoint-dp serve` as a process, at its limits (issue 22.9): a state file of the wrong shape is
// refused at start with one line and left as it is; SIGTERM while slow requests are open saves the
// state first, closes every connection and exits 0 at once (it waited 10 s and exited 1 unsaved).
// No session runs: the DP only listens for HTTP on 127.0.0.1 here.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');
const ADMIN = 'admin-token-for-faults-01';
const CLIENT = 'client-token-for-faults-1';

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

function startDp(dataDir: string) {
  const child = spawn(process.execPath, [DP, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1', '--admin-token', ADMIN, '--client-token', CLIENT], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`the DP exited before listening: ${out}`)));
  });
  return { child, exited, url, log: () => out };
}

describe('castpoint-dp serve at its limits', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-faults-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['clients is not a list', { clients: 'oops' }, /clients must be array/],
    ['a session without its image', { sessions: [{ id: 1 }] }, /sessions\.0 must have required property 'image'/],
    ['an unknown version', { version: 2 }, /version must be equal to constant/],
  ])('refuses a state file of the wrong shape (%s) in one line naming the file, and leaves it as it was', (_what, patch, problem) => {
    const data = path.join(dir, 'data');
    mkdirSync(data);
    const file = path.join(data, 'state.json');
    const state = { version: 1, epoch: 3, nextReceiverId: 5, nextSessionId: 2, tokens: { admin: ADMIN, client: CLIENT }, images: {}, sessions: [], clients: [], history: [], ...patch };
    writeFileSync(file, JSON.stringify(state));
    const before = { bytes: readFileSync(file), mtimeMs: statSync(file).mtimeMs };
    const r = spawnSync(process.execPath, [DP, 'serve', '--data-dir', data, '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^castpoint-dp: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid castpoint-dp state file: `));
    expect(r.stderr).toMatch(problem);
    expect(readFileSync(file).equals(before.bytes)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
  });

  it('on SIGTERM with slow requests open: saves, closes them, exits 0 at once', async () => {
    const data = path.join(dir, 'data');
    const dp = startDp(data);
    const sockets: Socket[] = [];
    try {
      const url = new URL(await dp.url);
      // Slow clients: request heads that never end (a slowloris, a hung agent behind a bad link).
      for (let i = 0; i < 3; i++) {
        const s = connect(Number(url.port), url.hostname);
        s.on('error', () => undefined);
        s.write(`POST /api/v1/agent/request HTTP/1.1\r\nHost: dp\r\nAuthorization: Bearer ${CLIENT}\r\n`);
        sockets.push(s);
      }
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      dp.child.kill('SIGTERM');
      expect(await within(dp.exited, 8000)).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(dp.log()).toMatch(/"msg":"stopped"/);
      expect(dp.log()).not.toMatch(/clean stop took longer/);
      // Saved first, then the connections closed.
      expect(dp.log().indexOf('"msg":"state saved"')).toBeGreaterThan(-1);
      expect(dp.log().indexOf('"msg":"state saved"')).toBeLessThan(dp.log().indexOf('"msg":"stopped"'));
    } finally {
      for (const s of sockets) s.destroy();
      dp.child.kill('SIGKILL');
    }
  });
});
