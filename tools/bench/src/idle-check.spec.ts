import { combineVerdicts, judgeIdle, parseCpuLine, verdictCell, type BoxSample } from './idle-check';

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
    expect(parseCpuLine(stat)).toEqual({ total: 998, steal: 30 });
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
});
