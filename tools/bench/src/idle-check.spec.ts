import { combineVerdicts, judgeIdle, othersShare, parseCpuLine, probeCoreSpeed, verdictCell, type BoxSample } from './idle-check';

const quiet: BoxSample = { load1: 0.2, cores: 2, stealShare: 0, spinShare: 0.99 };

describe('judgeIdle', () => {
  it('calls a quiet box idle', () => {
    expect(judgeIdle(quiet)).toMatchObject({ idle: true, reasons: [] });
    expect(verdictCell(judgeIdle(quiet))).toBe('idle');
  });

  it('calls the box busy on load, steal or a starved spinner, and says which', () => {
    const v = judgeIdle({ load1: 3.1, cores: 2, stealShare: 0.12, spinShare: 0.4 });
    expect(v.idle).toBe(false);
    expect(v.reasons).toEqual(['load 3.10 on 2 cores', 'steal 12%', 'a spinning thread got 40% of a core']);
    expect(verdictCell(v)).toBe('busy (load 3.10 on 2 cores; steal 12%; a spinning thread got 40% of a core)');
  });

  it('holds the limits exactly (0.25 load per core) and refuses a sample it cannot read', () => {
    expect(judgeIdle({ ...quiet, load1: 0.5 }).idle).toBe(true);
    expect(judgeIdle({ ...quiet, load1: 0.51 }).idle).toBe(false);
    expect(judgeIdle({ ...quiet, load1: NaN }).idle).toBe(false);
  });
});

describe('parseCpuLine', () => {
  it('reads total and steal jiffies from /proc/stat', () => {
    const stat = 'cpu  100 5 50 800 10 1 2 30 0 0\ncpu0 50 2 25 400 5 0 1 15 0 0\n';
    expect(parseCpuLine(stat)).toEqual({ total: 998, idle: 810, steal: 30 });
  });
});

describe('othersShare (what the box does now, not over the last minute)', () => {
  const at = (total: number, idle: number, steal = 0) => ({ total, idle, steal });
  it.each([
    // 2 cores x 0.3 s = 60 jiffies; this process spun 0.3 s (30 jiffies), the other core idle
    ['a quiet box while this process spins', at(0, 0), at(60, 30), 300_000, 0],
    // the other core was busy too: half the box
    ['another job on the other core', at(0, 0), at(60, 0), 300_000, 0.5],
    // steal is not others' work on this box
    ['steal only', at(0, 0), at(60, 20, 10), 300_000, 0],
    // jiffies are coarse: own CPU measured above the busy jiffies never goes negative
    ['own CPU above the busy jiffies', at(0, 0), at(60, 31), 320_000, 0],
  ])('%s', (_why, before, after, ownUs, expected) => {
    expect(othersShare(before, after, ownUs)).toBeCloseTo(expected, 5);
  });
  it('is undefined when no time passed', () => {
    expect(othersShare(at(5, 5), at(5, 5), 0)).toBeUndefined();
  });
});

describe('judgeIdle with othersShare', () => {
  it('calls a box idle right after a run (load average still high) when nothing else runs now', () => {
    expect(judgeIdle({ ...quiet, load1: 3.4, othersShare: 0.02 }).idle).toBe(true);
  });
  it('calls it busy when others use more than 10% of the box now, and says the load too', () => {
    const v = judgeIdle({ ...quiet, load1: 0.1, othersShare: 0.35 });
    expect(v.idle).toBe(false);
    expect(v.reasons).toEqual(['others used 35% of 2 cores (load 0.10)']);
    expect(judgeIdle({ ...quiet, othersShare: 0.1 }).idle).toBe(true);
  });
});

describe('combineVerdicts', () => {
  it('is idle only when every run started on an idle box, and counts the busy runs', () => {
    const idle = judgeIdle(quiet);
    const busy = judgeIdle({ ...quiet, load1: 1.7 });
    expect(combineVerdicts([idle, idle])?.idle).toBe(true);
    const v = combineVerdicts([idle, busy, idle]);
    expect(v?.idle).toBe(false);
    expect(v?.reasons).toEqual(['load 1.70 on 2 cores', '1 of 3 runs']);
    expect(v?.sample.load1).toBe(1.7);
    expect(combineVerdicts([])).toBeUndefined();
  });

  it('keeps the slowest core speed any run started on, idle or not', () => {
    const at = (coreMBps: number, load1 = 0.1) => judgeIdle({ ...quiet, load1, coreMBps });
    expect(combineVerdicts([at(450), at(300), at(420)])?.sample.coreMBps).toBe(300);
    expect(combineVerdicts([at(450), at(310, 1.7)])?.sample).toMatchObject({ load1: 1.7, coreMBps: 310 });
    expect(combineVerdicts([judgeIdle(quiet)])?.sample.coreMBps).toBeUndefined();
  });
});

describe('probeCoreSpeed', () => {
  it('measures SHA-256 MB per CPU second of this thread: a positive, finite figure', () => {
    const mbps = probeCoreSpeed(2);
    expect(Number.isFinite(mbps)).toBe(true);
    expect(mbps).toBeGreaterThan(0);
  });
});
