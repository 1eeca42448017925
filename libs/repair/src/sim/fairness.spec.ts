// Issues 21.6 and 22.4 in the seeded simulator (the strict checks; tests/integration holds the LAN
// versions): one lossy, slow or rogue receiver must not hold the others.
import { simulate, type SimOptions, type SimResult } from './simulate';

const MiB = 1 << 20;

function soloMs(o: Omit<SimOptions, 'receivers'>): number {
  const r = simulate({ ...o, receivers: 1, special: {} });
  return r.results[0]?.completedAtMs ?? NaN;
}

/** Completion of the receivers in `clean`, as multiples of one clean receiver's time alone. */
function ratios(r: SimResult, clean: number[], solo: number): number[] {
  return clean.map((i) => Number(((r.results[i]?.completedAtMs ?? Infinity) / solo).toFixed(2)));
}

describe('fairness: clean receivers beside a lossy or slow one (issue 21.6)', () => {
  const base = { imageBytes: 2 * MiB, linkBytesPerSec: 200e6 / 8 };

  it.each([1, 2])('default policy, a 20%%-loss peer: the clean ones finish within 1.5x their solo time (seed %i)', (seed) => {
    const solo = soloMs({ ...base, seed });
    const r = simulate({ ...base, seed, receivers: 3, special: { 2: { loss: 0.2 } } });
    expect({ seed, finished: r.finished, lossyComplete: r.results[2]?.complete }).toEqual({ seed, finished: true, lossyComplete: true });
    for (const x of ratios(r, [0, 1], solo)) expect(x).toBeLessThanOrEqual(1.5);
  });

  it.each([1])('tiers: a receiver at a third of the session rate is demoted within 1 s and the others are not held (seed %i)', (seed) => {
    // Status every 250 ms (the agent's is 1 s, plus early reports on runs of losses) keeps the run short.
    const link = 120e6 / 8;
    const o = { imageBytes: 12 * MiB, linkBytesPerSec: link, seed, statusIntervalMs: 250, slowPolicy: { kind: 'tiers' } as const };
    const solo = soloMs(o);
    const r = simulate({ ...o, receivers: 3, special: { 2: { downBytesPerSec: link / 3 } } });
    expect(r.results[2]?.kicked).toBe('demote');
    expect(r.results[2]?.kickedAtMs).toBeLessThan(1000);
    expect(r.results.filter((x) => x.kicked !== undefined)).toHaveLength(1);
    for (const x of ratios(r, [0, 1], solo)) expect(x).toBeLessThanOrEqual(1.5);
  });

  it.each([1])('tiers, the LAN case on a loaded box: clean receivers starved early cut the rate first; the slow one is still demoted within a few seconds (seed %i)', (seed) => {
    // tests/integration/repair-fairness.test.ts's setting (60 Mbit/s, one receiver at 20, status
    // every second) with both clean receivers dropping everything for 100 ms just before their
    // first report, as CPU-starved agents did at load ~12: their reports cut the rate to ~45
    // Mbit/s, and measured against the cut rate the slow one never looked slow again (before the
    // fix: no demotion, all held at ~21 Mbit/s, the clean ones at 2x their time alone).
    const link = 60e6 / 8;
    const o = { imageBytes: 16 * MiB, linkBytesPerSec: link, seed, slowPolicy: { kind: 'tiers' } as const, maxSimMs: 30_000 };
    const solo = soloMs(o);
    const starved = { starved: { fromMs: 900, toMs: 1000 } };
    const r = simulate({ ...o, receivers: 3, special: { 0: starved, 1: starved, 2: { downBytesPerSec: link / 3 } } });
    expect(r.results.map((x) => x.kicked ?? null)).toEqual([null, null, 'demote']);
    expect(r.results[2]?.kickedAtMs).toBeLessThanOrEqual(3500);
    for (const x of ratios(r, [0, 1], solo)) expect(x).toBeLessThanOrEqual(1.8);
  });
});

describe('fairness: a rogue receiver (issue 22.4)', () => {
  // 60 Mbit/s as in the attack; the rogue NACKs every block every 20 ms.
  // 8 MiB: the burst a receiver may ask for at once (4096 symbols, 5.7 MB) must be small beside the image.
  const base = { imageBytes: 8 * MiB, linkBytesPerSec: 60e6 / 8, maxSimMs: 10_000 };
  const cases: [string, SimOptions['slowPolicy'], { nackEveryMs: number; lossPpm?: number; rateBytesPerSec?: number }, string][] = [
    ['NACKs every block, honest-looking status', { kind: 'same-speed' }, { nackEveryMs: 20 }, 'fallback'],
    ['NACKs every block, status lies (loss 90%, rate 1)', { kind: 'same-speed' }, { nackEveryMs: 20, lossPpm: 900_000, rateBytesPerSec: 1 }, 'fallback'],
    ['under tiers', { kind: 'tiers' }, { nackEveryMs: 20, lossPpm: 900_000, rateBytesPerSec: 1 }, 'demote'],
  ];

  it.each(cases)('%s: victims within 1.25x their time alone, the rogue moved out, the session ends', (_name, slowPolicy, rogue, kind) => {
    const solo = soloMs({ ...base, seed: 4, slowPolicy });
    const r = simulate({ ...base, seed: 4, slowPolicy, receivers: 3, special: { 2: { rogue } } });
    expect(r.finished).toBe(true);
    expect(r.results[2]?.kicked).toBe(kind);
    expect(r.results[2]?.kickedAtMs).toBeLessThan(1500);
    for (const x of ratios(r, [0, 1], solo)) expect(x).toBeLessThanOrEqual(1.25);
    expect(r.completionMs).toBeLessThan(2 * solo);
  });
});
