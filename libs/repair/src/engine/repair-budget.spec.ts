import { RepairBudget } from './repair-budget';

// 10,000 send slots per second: one second of the session is 10,000 symbols.
const SLOTS = 10_000;

describe('RepairBudget', () => {
  it('allows what a reported loss costs, with slack and a floor, up to maxLoss', () => {
    const b = new RepairBudget();
    expect(b.allowance(0)).toBeCloseTo(0.02);
    expect(b.allowance(0.2)).toBeCloseTo(1.5 * 0.25 + 0.02);
    // A report of 90% loss justifies no more than one of 50%.
    expect(b.allowance(0.9)).toBeCloseTo(b.allowance(0.5));
  });

  it('gives a burst at registration and then accrues with time at the allowance of the last report', () => {
    const b = new RepairBudget({ burst: 100 });
    b.register(1, 0, 0, 0);
    expect(b.available(1, 0, SLOTS, 0)).toBe(100);
    b.charge(1, 100, 0);
    // Before any report with data the loss is taken as 25%: 0.52 symbols per slot.
    b.report(1, 200_000, 1e6, 0, SLOTS); // 20% from now on: 0.395 per slot
    expect(b.available(1, 100, SLOTS, 1e9)).toBe(100); // the bank holds at most the burst
    b.charge(1, 100, 0);
    expect(b.available(1, 110, SLOTS, 1e9)).toBe(Math.floor(0.01 * SLOTS * (1.5 * 0.25 + 0.02)));
  });

  it('a late joiner may ask for the blocks sent before it listened on top of its burst', () => {
    const b = new RepairBudget({ burst: 100 });
    b.register(1, 5000, 0, 0);
    expect(b.available(1, 0, SLOTS, 0)).toBe(5100);
  });

  it('bounds a receiver over its whole stay by its peak loss times the new data sent since it joined', () => {
    const b = new RepairBudget({ burst: 100 });
    b.register(1, 0, 0, 1000);
    b.report(1, 900_000, 1, 0, SLOTS); // claims 90%: counts as 50%, 1.52 per data symbol
    // Plenty of time (the bucket refills at once) but only 1000 new data symbols sent since it
    // registered: over its stay it gets its burst plus 1.52 x 1000, however long it keeps asking.
    let total = 0;
    for (let t = 1000; t < 60_000; t += 1000) {
      const n = b.available(1, t, SLOTS, 2000);
      b.charge(1, n, 0);
      total += n;
    }
    expect(total).toBe(100 + Math.floor(1000 * (1.5 + 0.02)));
  });

  it('a receiver refused in slowRounds rounds in a row is over its bound; one good round clears it', () => {
    const b = new RepairBudget();
    b.register(1, 0, 0, 0);
    b.register(2, 0, 0, 0);
    b.charge(1, 0, 500);
    expect(b.round(3)).toEqual([]);
    b.charge(1, 0, 500);
    expect(b.round(3)).toEqual([]);
    b.charge(2, 0, 1); // receiver 2 starts later
    b.charge(1, 0, 500);
    expect(b.round(3)).toEqual([{ receiverId: 1, refused: 500, rounds: 3 }]);
    expect(b.round(3)).toEqual([]); // nothing refused this round: strikes gone for both
    expect(b.refusedSymbols).toBe(1501);
  });

  it('maps the bound to the slow policy: own tier under tiers, unicast otherwise', () => {
    for (const [policy, kind] of [[{ kind: 'tiers' }, 'demote'], [{ kind: 'same-speed' }, 'fallback'], [{ kind: 'disconnect', kbps: 100 }, 'fallback']] as const) {
      const b = new RepairBudget();
      b.register(7, 0, 0, 0);
      b.charge(7, 0, 10);
      expect(b.decisions(1, policy)).toEqual([{ receiverId: 7, kind, detail: expect.stringMatching(/^asked for 10 repair symbols beyond/) }]);
    }
  });

  it('knows nothing of receivers it was not told of, and forgets those that left', () => {
    const b = new RepairBudget();
    expect(b.available(9, 0, SLOTS, 0)).toBe(0);
    b.register(9, 0, 0, 0);
    expect(b.size).toBe(1);
    b.forget(9);
    expect(b.size).toBe(0);
    expect(b.available(9, 0, SLOTS, 0)).toBe(0);
  });
});
