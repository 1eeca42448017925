import { RateControl, type SlowPolicy } from './rate-control';

const MAX = 15e6; // 120 Mbit/s in bytes/s

function control(policy: SlowPolicy): RateControl {
  return new RateControl({ maxRateBytesPerSec: MAX, minRateBytesPerSec: MAX / 100, initialRateBytesPerSec: MAX, policy, congestionLossPpm: 250_000, congestionGap: 16, slowRounds: 3, tierRatio: 0.5 });
}

/** Runs rate rounds of 200 ms in which the sender hands out `bytesPerSecond`; `each` adds reports. */
function rounds(rc: RateControl, n: number, startMs: number, bytesPerSecond: number, each: () => void, receivers = 3): { decisions: string[]; rates: number[] } {
  const decisions: string[] = [];
  const rates: number[] = [];
  for (let i = 1; i <= n; i++) {
    rc.sent(bytesPerSecond / 5);
    each();
    for (const d of rc.round(startMs + i * 200, receivers)) decisions.push(`${d.kind} ${d.receiverId}`);
    rates.push(rc.rateBytesPerSec);
  }
  return { decisions, rates };
}

describe('RateControl: who is slow', () => {
  it('tiers: a receiver at a third of what the sender sends is demoted even when its reports come before the others', () => {
    // The LAN of issue 21.6: the 40 Mbit/s agent's first reports came while the clean agents had
    // only said hello (no goodput yet); measured against the median alone it was not slow, the
    // rate was cut, the median followed the rate down and it never became slow: all three ended
    // together at 40 Mbit/s. Measured against what the sender sends, it is slow at once.
    const rc = control({ kind: 'tiers' });
    rc.sent(0);
    rc.round(0, 3);
    const r = rounds(rc, 3, 0, MAX, () => rc.report({ receiverId: 3, rateBytesPerSec: MAX / 3, lossPpm: 600_000, maxGap: 30 }));
    expect(r.decisions).toEqual(['demote 3']);
    expect(r.rates.every((x) => x === MAX)).toBe(true); // the slow one never cut the group's rate
  });

  it('tiers: a congested receiver getting more than half of what is sent slows the group instead', () => {
    const rc = control({ kind: 'tiers' });
    rc.round(0, 3);
    const r = rounds(rc, 3, 0, MAX, () => rc.report({ receiverId: 3, rateBytesPerSec: 0.6 * MAX, lossPpm: 300_000, maxGap: 2 }));
    expect(r.decisions).toEqual([]);
    expect(r.rates[0]).toBe(0.75 * MAX);
  });

  it('tiers: after CPU-starved clean receivers cut the rate, a receiver congested alone at a third of the cap is still demoted', () => {
    // Issue 21.6 on a box at load ~12: the clean agents' early reports (lost runs while starved)
    // cut the rate first; measured against the cut rate the slow agent (20 of 60 Mbit/s) was never
    // below half, so it cut the rate again round after round and everyone ended at its pace.
    const rc = control({ kind: 'tiers' });
    rc.round(0, 3);
    const starved = rounds(rc, 2, 0, MAX, () => {
      rc.report({ receiverId: 1, rateBytesPerSec: 0.8 * MAX, lossPpm: 50_000, maxGap: 40 });
      rc.report({ receiverId: 2, rateBytesPerSec: 0.8 * MAX, lossPpm: 50_000, maxGap: 40 });
    });
    expect(starved.rates).toEqual([0.75 * MAX, 0.75 ** 2 * MAX]);
    expect(rc.lastCutBy).toEqual([1, 2]);
    const cut = rc.rateBytesPerSec;
    const r = rounds(rc, 3, 400, cut, () => {
      rc.report({ receiverId: 1, rateBytesPerSec: cut, lossPpm: 0 });
      rc.report({ receiverId: 2, rateBytesPerSec: cut, lossPpm: 0 });
      rc.report({ receiverId: 3, rateBytesPerSec: MAX / 3, lossPpm: 300_000, maxGap: 30 });
    });
    expect(r.decisions).toEqual(['demote 3']);
    expect(r.rates.every((x) => x > cut)).toBe(true); // it never cut the group's rate meanwhile
  });

  it('tiers: a receiver whose own reports cut the rate is measured against the rate before its cuts', () => {
    // Two receivers, so one congested one is no minority: the reference is the rate before the
    // cuts attributed to it, not the cut rate the sender now sends at.
    const rc = control({ kind: 'tiers' });
    rc.round(0, 2);
    const cuts = rounds(rc, 2, 0, MAX, () => rc.report({ receiverId: 3, rateBytesPerSec: 0.6 * MAX, lossPpm: 300_000, maxGap: 30 }), 2);
    expect(cuts.rates).toEqual([0.75 * MAX, 0.75 ** 2 * MAX]);
    expect(rc.lastCutBy).toEqual([3]);
    const sent = rc.rateBytesPerSec;
    const r = rounds(rc, 3, 400, sent, () => {
      rc.report({ receiverId: 1, rateBytesPerSec: sent, lossPpm: 0 });
      rc.report({ receiverId: 3, rateBytesPerSec: 0.3 * MAX, lossPpm: 300_000, maxGap: 30 });
    }, 2);
    expect(r.decisions).toEqual(['demote 3']);
  });

  it('tiers: a receiver congested beside others that are congested too slows the group (no minority)', () => {
    const rc = control({ kind: 'tiers' });
    rc.round(0, 3);
    const r = rounds(rc, 3, 0, MAX, () => {
      rc.report({ receiverId: 1, rateBytesPerSec: 0.9 * MAX, lossPpm: 300_000, maxGap: 30 });
      rc.report({ receiverId: 2, rateBytesPerSec: 0.9 * MAX, lossPpm: 0 });
      rc.report({ receiverId: 3, rateBytesPerSec: 0.9 * MAX, lossPpm: 300_000, maxGap: 30 });
    });
    expect(r.decisions).toEqual([]);
    expect(r.rates[0]).toBe(0.75 * MAX);
  });

  it('tiers: cuts another receiver causes while a slow one collects strikes do not clear them', () => {
    // Receiver 2 (CPU-starved) keeps cutting; the sender follows the cut rate. Measured against the
    // cut rate, receiver 3 (0.3 of the cap) would stop being slow in the third round.
    const rc = control({ kind: 'tiers' });
    rc.round(0, 3);
    const decisions: string[] = [];
    for (let i = 1; i <= 3; i++) {
      rc.sent(rc.rateBytesPerSec); // one round a second, as the agents' reports come
      rc.report({ receiverId: 1, rateBytesPerSec: rc.rateBytesPerSec, lossPpm: 0 });
      rc.report({ receiverId: 2, rateBytesPerSec: 0.9 * rc.rateBytesPerSec, lossPpm: 100_000, maxGap: 40 });
      rc.report({ receiverId: 3, rateBytesPerSec: 0.3 * MAX, lossPpm: 300_000, maxGap: 30 });
      for (const d of rc.round(i * 1000, 3)) decisions.push(`${d.kind} ${d.receiverId}`);
      expect(rc.lastCutBy).toEqual([2]);
    }
    expect(decisions).toEqual(['demote 3']);
  });

  it.each([
    ['as much as the others: nobody is demoted, the rate is cut', 0.35, []],
    ['below half of what the others get: it is demoted', 0.15, ['demote 3']],
  ])('tiers: while every receiver reports congestion (a busy box), one getting %s', (_name, share, demoted) => {
    // Measured against the cap or the rate before the cuts, all three would be slow once the rate
    // had fallen below half of it, and each would be moved out in turn.
    const rc = control({ kind: 'tiers' });
    rc.round(0, 3);
    const r = rounds(rc, 4, 0, MAX, () => {
      rc.report({ receiverId: 1, rateBytesPerSec: 0.4 * MAX, lossPpm: 100_000, maxGap: 40 });
      rc.report({ receiverId: 2, rateBytesPerSec: 0.4 * MAX, lossPpm: 100_000, maxGap: 40 });
      rc.report({ receiverId: 3, rateBytesPerSec: share * MAX, lossPpm: 300_000, maxGap: 30 });
    });
    expect(r.decisions).toEqual(demoted);
    expect(r.rates[3]).toBeCloseTo(0.75 ** 4 * MAX, -2);
  });

  it('a receiver alone in its session is never moved out: the rate follows it down', () => {
    const rc = control({ kind: 'tiers' });
    rc.round(0, 1);
    const r = rounds(rc, 4, 0, MAX, () => rc.report({ receiverId: 3, rateBytesPerSec: MAX / 3, lossPpm: 600_000 }), 1);
    expect(r.decisions).toEqual([]);
    expect(r.rates[3]).toBeLessThan(0.35 * MAX);
  });

  it('same-speed: follows a slow receiver down, but sends one below a tenth of the others to unicast', () => {
    const follow = control({ kind: 'same-speed' });
    follow.round(0, 3);
    follow.report({ receiverId: 1, rateBytesPerSec: MAX, lossPpm: 0 });
    const f = rounds(follow, 3, 0, MAX, () => follow.report({ receiverId: 3, rateBytesPerSec: MAX / 4, lossPpm: 600_000 }));
    expect(f.decisions).toEqual([]);
    expect(f.rates[2]).toBeCloseTo(0.75 ** 3 * MAX, -2);
    // A status claiming "loss 90%, rate 1 B/s" (issue 22.4) used to hold the group at the floor.
    const liar = control({ kind: 'same-speed' });
    liar.round(0, 3);
    liar.report({ receiverId: 1, rateBytesPerSec: MAX, lossPpm: 0 });
    const l = rounds(liar, 3, 0, MAX, () => liar.report({ receiverId: 3, rateBytesPerSec: 1, lossPpm: 900_000 }));
    expect(l.decisions).toEqual(['fallback 3']);
    expect(l.rates.every((x) => x === MAX)).toBe(true);
  });
});
