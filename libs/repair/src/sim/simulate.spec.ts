import { simulate, type SimOptions } from './simulate';

// Small images keep the suite fast; the figures for big groups come from `nx run repair:sim`.
const small: Omit<SimOptions, 'seed' | 'receivers'> = {
  imageBytes: 200_000,
  symbolSize: 512,
  blockSymbols: 32,
  linkBytesPerSec: 12.5e6,
  delayMs: 1,
};

function expectAllComplete(r: ReturnType<typeof simulate>, except: number[] = []): void {
  expect(r.finished).toBe(true);
  for (const x of r.results) {
    if (except.includes(x.index)) continue;
    // Print the seed with the failure so the run can be replayed.
    expect({ seed: r.seed, index: x.index, complete: x.complete, mismatches: x.mismatches }).toEqual({ seed: r.seed, index: x.index, complete: true, mismatches: 0 });
  }
}

describe('simulator: every receiver ends with every block bit-exact', () => {
  const cases: [number, number][] = [];
  for (const n of [1, 10, 200]) for (const loss of [0, 0.01, 0.05, 0.2]) cases.push([n, loss]);
  it.each(cases)('N=%i loss=%f', (receivers, loss) => {
    const r = simulate({ ...small, seed: 1000 + receivers + Math.round(loss * 100), receivers, loss });
    expectAllComplete(r);
    if (loss === 0) expect(r.repairPackets).toBe(0);
    else expect(r.repairPackets).toBeGreaterThan(0);
  });

  it('bursty (Gilbert-Elliott) loss', () => {
    expectAllComplete(simulate({ ...small, seed: 5, receivers: 20, loss: 0.05, bursty: true }));
  });

  it.each([0.01, 0.2])('with block buffers recycled (scribbled over when given back), loss=%f', (loss) => {
    const r = simulate({ ...small, seed: 77, receivers: 50, loss, recycleBuffers: true });
    expectAllComplete(r);
    expect(r.results.reduce((n, x) => n + x.mismatches, 0)).toBe(0);
  });
});

describe('simulator: session life cycle', () => {
  it('is deterministic for a seed', () => {
    const a = simulate({ ...small, seed: 42, receivers: 15, loss: 0.05 });
    const b = simulate({ ...small, seed: 42, receivers: 15, loss: 0.05 });
    const c = simulate({ ...small, seed: 43, receivers: 15, loss: 0.05 });
    expect(b).toEqual(a);
    expect(c.nackPackets === a.nackPackets && c.repairPackets === a.repairPackets && c.completionMs === a.completionMs).toBe(false);
  });

  it('late joiners get the data they missed and the session waits for them', () => {
    // The rate probes up from an eighth of the link, so the first pass takes ~150 ms (~17 ms at
    // the full link): these join at 8 ms and at 100 ms, two thirds into it.
    const r = simulate({ ...small, seed: 7, receivers: 6, loss: 0.01, special: { 4: { joinAtMs: 8 }, 5: { joinAtMs: 100 } } });
    expectAllComplete(r);
    expect(r.completionMs).toBeGreaterThan(100);
    expect(r.repairPackets).toBeGreaterThan(r.totalBlocks * 16); // whole blocks were resent for them
  });

  it('a receiver that vanishes is dropped after the silence timeout and the rest finish', () => {
    const r = simulate({ ...small, seed: 9, receivers: 5, loss: 0.01, silentTimeoutMs: 1500, special: { 2: { vanishAtMs: 5 } } });
    expectAllComplete(r, [2]);
    expect(r.results[2]?.complete).toBe(false);
    expect(r.dropped).toEqual([{ index: 2, reason: 'silent' }]);
    expect(r.completionMs).toBeGreaterThanOrEqual(1500);
    expect(r.completionMs).toBeLessThan(3000);
  });
});

describe('simulator: slow-receiver policies', () => {
  // 20 Mbit/s link, one receiver's downlink a quarter of it; status reports every 100 ms.
  const link = 2.5e6;
  const slow: Omit<SimOptions, 'seed' | 'slowPolicy'> = {
    ...small,
    linkBytesPerSec: link,
    imageBytes: 1_500_000,
    receivers: 4,
    statusIntervalMs: 100,
    special: { 3: { downBytesPerSec: link / 4 } },
  };

  it('same-speed: the sender slows to the slowest and everyone completes', () => {
    const r = simulate({ ...slow, seed: 11, slowPolicy: { kind: 'same-speed' } });
    expectAllComplete(r);
    expect(r.minRateBytesPerSec).toBeLessThan(link / 2);
    expect(r.senderActions['fallback'] ?? 0).toBe(0);
  });

  it('disconnect: the receiver below the threshold is told to fall back', () => {
    const r = simulate({ ...slow, seed: 12, slowPolicy: { kind: 'disconnect', kbps: 1000 } });
    expect(r.results[3]?.kicked).toBe('fallback');
    expect(r.dropped).toContainEqual({ index: 3, reason: 'kicked' });
    expectAllComplete(r, [3]);
  });

  it('tiers: the receiver far below the median is demoted', () => {
    const r = simulate({ ...slow, seed: 13, slowPolicy: { kind: 'tiers' } });
    expect(r.results[3]?.kicked).toBe('demote');
    expectAllComplete(r, [3]);
    expect(r.results.filter((x) => x.kicked !== undefined)).toHaveLength(1);
  });
});

describe('simulator: the sender gate and the joiner hold', () => {
  it('a rogue speaking for another receiver is dropped as spoofed; everyone completes', () => {
    const r = simulate({ ...small, seed: 21, receivers: 3, special: { 2: { rogue: { nackEveryMs: 5, spoofIndex: 0 } } } });
    expect(r.droppedControl.spoofed).toBeGreaterThan(0);
    expect(r.results[0]?.complete).toBe(true);
    expect(r.results[1]?.complete).toBe(true);
    expect(r.repairPackets).toBe(0); // the spoofed NACKs of every block asked for nothing
  });

  it('replayed control packets are dropped and counted', () => {
    const r = simulate({ ...small, seed: 22, receivers: 3, special: { 2: { rogue: { nackEveryMs: 5, replay: true } } } });
    expect(r.droppedControl.replay).toBeGreaterThan(0);
    expect(r.droppedControl.spoofed).toBe(0);
  });

  it('await-joiners holds the first data until the late receiver was heard', () => {
    const r = simulate({ ...small, seed: 23, receivers: 3, awaitJoiners: { count: 3, graceMs: 5000 }, special: { 2: { joinAtMs: 30 } } });
    expectAllComplete(r);
    expect(r.firstDataMs).toBeGreaterThanOrEqual(30);
    const free = simulate({ ...small, seed: 23, receivers: 3, special: { 2: { joinAtMs: 30 } } });
    expect(free.firstDataMs).toBeLessThan(30);
  });
});
