import { topSelf, type CpuProfile } from './profile-top';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('topSelf', () => {
  it('sums self time per function from the sample deltas, idle left out of the busy share', () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('encodePacket', 'file:///dist/apps/dp-server/main.cjs', 99) },
        { id: 4, callFrame: frame('(garbage collector)') },
        { id: 5, callFrame: frame('encodePacket', 'file:///dist/apps/dp-server/main.cjs', 99) },
      ],
      // deltas[i + 1] is sample i's time
      samples: [3, 2, 4, 5, 3],
      timeDeltas: [0, 3000, 5000, 1000, 1000, 1000],
    };
    const top = topSelf(p);
    expect(top.map((t) => [t.name, t.selfMs])).toEqual([
      ['encodePacket (main.cjs:100)', 5],
      ['(garbage collector)', 1],
    ]);
    // 11 ms sampled, 5 of them idle.
    expect(top[0]?.selfPct).toBeCloseTo((100 * 5) / 11, 6);
    expect(top[0]?.busyPct).toBeCloseTo((100 * 5) / 6, 6);
    // The last 2.5 ms only (from 8.5 ms): the samples taken at 9 and 10 ms, not the GC at 8 ms.
    expect(topSelf(p, 15, 2500).map((t) => [t.name, t.selfMs])).toEqual([['encodePacket (main.cjs:100)', 2]]);
  });
});
