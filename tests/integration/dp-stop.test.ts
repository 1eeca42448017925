// `castpoint-dp serve` stopped by a signal while its log reader goes away at the same moment (Ctrl-C
// on `castpoint-dp serve | tee log`, a service manager stopping `dp | logger`): it must still exit.
// Until 2026-11-24 it hung for good in pino's synchronous flush on exit, retrying EPIPE.
// No session runs: the DP only listens for HTTP on 127.0.0.1 here.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');

function startDp(dataDir: string) {
  const child = spawn(process.execPath, [DP, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mcast-interface', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
