import { parseCpuTimes, withCpuTimes } from './measure';

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
});
