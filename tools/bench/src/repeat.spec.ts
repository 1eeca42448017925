import type { TransferResult } from './peers';
import { summarizeRuns } from './repeat';

const run = (wallSeconds: number, verified = true): TransferResult => ({ tool: 'castpoint', wallSeconds, senderCpuSeconds: wallSeconds / 2, receiverCpuSeconds: [], bytesSent: 1, verified, flags: '' });

describe('summarizeRuns', () => {
  it('keeps the median run by wall time and every time in run order', () => {
    const s = summarizeRuns([run(5.2), run(4.6), run(4.9)]);
    expect(s?.median.wallSeconds).toBe(4.9);
    expect(s?.median.senderCpuSeconds).toBe(2.45); // the whole median run, not a mix of runs
    expect(s?.walls).toEqual([5.2, 4.6, 4.9]);
    expect(s).toMatchObject({ failed: 0, allVerified: true });
  });

  it('takes the lower middle run of an even count, counts failed runs apart, and any unverified run shows', () => {
    const s = summarizeRuns([run(6), undefined, run(5, false), run(7), run(4)]);
    expect(s?.median.wallSeconds).toBe(5);
    expect(s).toMatchObject({ failed: 1, allVerified: false, walls: [6, 5, 7, 4] });
  });

  it('is undefined when no run finished', () => {
    expect(summarizeRuns([undefined, undefined])).toBeUndefined();
  });
});
