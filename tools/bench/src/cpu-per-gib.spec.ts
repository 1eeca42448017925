import { cpuPerGiB, median, summarizeCpu } from './cpu-per-gib';

const MIB200 = 200 * 1024 * 1024;

describe('cpuPerGiB', () => {
  it('scales CPU seconds to one GiB of image', () => {
    // 4.71 CPU s for 200 MiB (the DP in issue 29) is 24.1 s per GiB.
    expect(cpuPerGiB(4.71, MIB200)).toBeCloseTo(24.1152, 4);
    expect(cpuPerGiB(1, 1024 ** 3)).toBe(1);
  });

  it('is NaN for a missing figure or an empty image, never a number that looks real', () => {
    expect(cpuPerGiB(NaN, MIB200)).toBeNaN();
    expect(cpuPerGiB(1, 0)).toBeNaN();
  });
});

describe('median', () => {
  it('takes the middle value, the mean of the middle two for an even count, and skips NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5, 1, 3])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe('summarizeCpu', () => {
  it('takes each figure\'s median over runs on its own, per receiver', () => {
    const gib = 1024 ** 3;
    const s = summarizeCpu(
      [
        { senderCpuSeconds: 3, receiverCpuSeconds: [1, 5] },
        { senderCpuSeconds: 1, receiverCpuSeconds: [2, 4] },
        { senderCpuSeconds: 2, receiverCpuSeconds: [3, 6] },
      ],
      gib,
    );
    expect(s.sender).toBe(2);
    expect(s.receivers).toEqual([2, 5]);
    expect(s.receiverMean).toBe(3.5);
    expect(s.receiverMax).toBe(5);
  });

  it('leaves a receiver whose CPU no run reported as NaN, out of the mean', () => {
    const s = summarizeCpu([{ senderCpuSeconds: 1, receiverCpuSeconds: [NaN, 2] }], 1024 ** 3);
    expect(s.receivers[0]).toBeNaN();
    expect(s.receiverMean).toBe(2);
  });
});
