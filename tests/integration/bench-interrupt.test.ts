// `npm run bench` stopped from outside (Ctrl-C, a kill) must leave nothing behind: before, its
// namespaces, the processes in them and its 200 MiB image in /tmp all stayed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeLan } from '@castpoint/netlab';

const cli = path.resolve(__dirname, '../../dist/tools/bench/cli.cjs');

function labNamespaces(pid: number): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`cpl-${pid}-`)) : [];
}

function pidsIn(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Running, and not a zombie waiting for a parent to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const benchDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('cp-bench-'));

describeLan('an interrupted benchmark', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s kills what runs in its LAN, removes the LAN and its image, and exits %d', async (signal, exitCode) => {
    if (!existsSync(cli)) throw new Error('the bench is not built: run `npm run build` (npm test does it first)');
    const dirsBefore = new Set(benchDirs());
    // 64 MiB over a 20 Mbit/s link: ~27 s of transfer, so it is surely running when signalled.
    const bench = spawn(process.execPath, [cli, '--receivers', '2', '--loss', '0', '--link', '20mbit', '--tools', 'floor', '--size-mib', '64'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bench.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => bench.on('exit', (code) => resolve(code)));
    const pid = bench.pid as number;
    let receivers: number[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && receivers.length < 2; ) {
      await new Promise((r) => setTimeout(r, 100));
      receivers = labNamespaces(pid)
        .filter((n) => /-client\d+$/.test(n))
        .flatMap(pidsIn);
    }
    expect(receivers.length).toBeGreaterThanOrEqual(2);
    expect(benchDirs().filter((d) => !dirsBefore.has(d))).toHaveLength(1);

    bench.kill(signal);
    expect(await exited).toBe(exitCode);
    expect(stderr).toContain(`stopped (${signal}): 1 LAN(s) torn down, processes in them killed`);
    expect(labNamespaces(pid)).toEqual([]);
    expect(receivers.filter(running)).toEqual([]);
    expect(benchDirs().filter((d) => !dirsBefore.has(d))).toEqual([]);
  });
});
