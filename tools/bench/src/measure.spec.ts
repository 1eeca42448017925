import { spawn } from 'node:child_process';
import { parseCpuTimes, processCpuSeconds, runQueueWaitSeconds, withCpuTimes } from './measure';

describe('bench measurement helpers', () => {
  it('sums children user+system CPU from bash `times` output', () => {
    expect(parseCpuTimes('noise\n0m0.010s 0m0.020s\n1m2.500s 0m0.250s\n')).toBeCloseTo(62.75, 3);
    expect(parseCpuTimes('no times here')).toBeNaN();
  });

  it('quotes arguments so the wrapped command runs as given', () => {
    const [cmd, args] = withCpuTimes('echo', ["it's", 'a b']);
    expect(cmd).toBe('bash');
    expect(args[1]).toBe(`'echo' 'it'\\''s' 'a b'; rc=$?; times >&2; exit $rc`);
  });

  it("reads a live process's CPU seconds from /proc, growing while it works", () => {
    const before = processCpuSeconds(process.pid);
    const start = process.cpuUsage();
    // Burn ~0.1 s of CPU (clock ticks are 10 ms).
    while (process.cpuUsage(start).user < 100_000) Math.sqrt(Math.random());
    const after = processCpuSeconds(process.pid);
    expect(before).toBeGreaterThanOrEqual(0);
    expect(after - before).toBeGreaterThanOrEqual(0.05);
    expect(() => processCpuSeconds(2 ** 22 + 7)).toThrow();
  });

  it('reads how long a process waited for a CPU: three spinning processes on one core wait for each other', async () => {
    const spin = (): ReturnType<typeof spawn> =>
      spawn('taskset', ['-c', '0', process.execPath, '-e', 'const t = Date.now(); while (Date.now() - t < 1500) Math.sqrt(Math.random());'], { stdio: 'ignore' });
    const children = [spin(), spin(), spin()];
    try {
      await new Promise((r) => setTimeout(r, 200));
      const before = children.map((c) => runQueueWaitSeconds(c.pid ?? -1));
      await new Promise((r) => setTimeout(r, 500));
      const after = children.map((c) => runQueueWaitSeconds(c.pid ?? -1));
      // Over 0.5 s on one core each runs a third of the time and waits two thirds: together they
      // wait ~1 s (and run only 0.5 s, so reading the run-time field instead would fail this).
      const waited = after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
      expect(waited).toBeGreaterThan(0.75);
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
    expect(runQueueWaitSeconds(2 ** 22 + 7)).toBeNaN();
  });
});
