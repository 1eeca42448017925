import { IntervalMeter } from './interval-meter';

describe('IntervalMeter', () => {
  it.each<[string, bigint[], { lossPpm: number; maxGap: number }]>([
    ['nothing missed', [5n, 6n, 7n, 8n], { lossPpm: 0, maxGap: 0 }],
    ['one run of 3', [1n, 2n, 6n, 7n], { lossPpm: 428_571, maxGap: 3 }],
    // 2 and 3 were missing when 4 came (a run of 2); 2 came late, so 1 of 5 is lost.
    ['a late packet counts as received and starts no run', [1n, 4n, 2n, 5n], { lossPpm: 200_000, maxGap: 2 }],
    ['the longest of two runs', [1n, 3n, 10n], { lossPpm: 700_000, maxGap: 6 }],
  ])('%s', (_name, seqs, expected) => {
    const m = new IntervalMeter();
    for (const s of seqs) m.packet(s);
    expect(m.take(1000)).toMatchObject(expected);
  });

  it('returns the run before each packet, measures goodput, and starts afresh after take()', () => {
    const m = new IntervalMeter();
    expect(m.packet(10n)).toBe(0);
    expect(m.packet(30n)).toBe(19);
    m.payload(1000);
    m.payload(500);
    expect(m.take(500)).toEqual({ rateBytesPerSec: 3000, lossPpm: 904_762, maxGap: 19 }); // 2 of 21 numbered
    expect(m.sinceMs).toBe(500);
    expect(m.packet(31n)).toBe(0);
    expect(m.take(1500)).toEqual({ rateBytesPerSec: 0, lossPpm: 0, maxGap: 0 });
  });
});
