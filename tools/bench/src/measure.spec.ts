import { parseCpuTimes, processCpuSeconds, withCpuTimes } from './measure';

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
});
