import { Pacer } from './pacer';
import { SeededRandom } from './prng';
import { isCastpointError } from '@castpoint/wire';

const MS = 1e6;
const SIZE = 1400;

/**
 * Drives a Pacer the way the real loop does, on a virtual clock: wake, send what the credit
 * allows, sleep until the next datagram is due, with timers that fire 1 ms at the soonest and up
 * to `jitterMs` late (seeded), like Node timers on a loaded machine.
 */
function simulate(p: Pacer, fromNs: number, toNs: number, rng: SeededRandom, jitterMs: number, onRate?: (now: number) => void): { bytes: number; endNs: number } {
  let now = fromNs;
  let bytes = 0;
  while (now < toNs) {
    while (p.tryTake(SIZE, now)) bytes += SIZE;
    const wait = p.waitNs(SIZE, now);
    now += Math.max(1 * MS, Math.ceil(wait / MS) * MS) + rng.next() * jitterMs * MS;
    onRate?.(now);
  }
  return { bytes, endNs: now };
}

describe('Pacer', () => {
  it.each([
    [100e6, 0.3],
    [500e6, 0.3],
    [1e9, 0.3],
    [1e9, 2],
    [2e9, 1],
  ])('holds %d bit/s within 1%% with 1 ms timers up to %d ms late', (rate, jitterMs) => {
    const p = new Pacer({ rateBitsPerSec: rate });
    const rng = new SeededRandom(42);
    const { bytes, endNs } = simulate(p, 0, 2000 * MS, rng, jitterMs);
    const achieved = (bytes * 8 * 1e9) / endNs;
    expect(achieved / rate).toBeGreaterThan(0.99);
    expect(achieved / rate).toBeLessThan(1.01);
  });

  it('caps the burst after a stall at maxBurstMs of credit', () => {
    const p = new Pacer({ rateBitsPerSec: 1e9, maxBurstMs: 4 });
    expect(p.tryTake(SIZE, 0)).toBe(true);
    // A 500 ms stall (GC, blocked loop) must not release 500 ms of traffic at once.
    const allowed = p.allowance(SIZE, 500 * MS);
    expect(allowed).toBe(Math.floor((1e9 / 8) * 0.004 / SIZE));
  });

  it('pays back credit lost in a stall at 10% over the rate, so the average holds', () => {
    const rate = 100e6;
    const p = new Pacer({ rateBitsPerSec: rate });
    const rng = new SeededRandom(8);
    const a = simulate(p, 0, 200 * MS, rng, 0.3);
    // A 30 ms stall: the cap (8 ms -> 100,000 bytes) lets only part of the 375,000 bytes earned go at once.
    const stallEnd = a.endNs + 30 * MS;
    const burst = p.allowance(SIZE, stallEnd);
    expect(burst * SIZE).toBeLessThanOrEqual(100_000);
    const b = simulate(p, stallEnd, stallEnd + 400 * MS, rng, 0.3);
    const achieved = ((a.bytes + b.bytes) * 8 * 1e9) / b.endNs;
    expect(achieved / rate).toBeGreaterThan(0.995);
    expect(achieved / rate).toBeLessThan(1.005);
    // Without catch-up the same stall costs the credit the cap refused (about 22 ms of 630).
    const q = new Pacer({ rateBitsPerSec: rate, maxCatchUpMs: 0 });
    const rng2 = new SeededRandom(8);
    const c = simulate(q, 0, 200 * MS, rng2, 0.3);
    const d = simulate(q, c.endNs + 30 * MS, c.endNs + 430 * MS, rng2, 0.3);
    expect(((c.bytes + d.bytes) * 8 * 1e9) / d.endNs / rate).toBeLessThan(0.975);
  });

  it('does not burst at start: one datagram, then the rate', () => {
    const p = new Pacer({ rateBitsPerSec: 1e9 });
    expect(p.allowance(SIZE, 5 * MS)).toBe(1);
    expect(p.tryTake(SIZE, 5 * MS)).toBe(true);
    expect(p.tryTake(SIZE, 5 * MS)).toBe(false);
    // The 1500-byte start credit left 100 bytes; 1300 more take 10.4 us at 1 Gbit/s.
    expect(p.waitNs(SIZE, 5 * MS)).toBe(10_400);
  });

  it('applies a rate change at once, keeping credit earned at the old rate', () => {
    const p = new Pacer({ rateBitsPerSec: 1e9 });
    p.tryTake(SIZE, 0);
    p.setRate(100e6, 0.4 * MS); // 0.4 ms at 1 Gbit/s earned 50,000 bytes (+100 left of the start)
    expect(p.allowance(SIZE, 0.4 * MS)).toBe(Math.floor(50_100 / SIZE));
    while (p.tryTake(SIZE, 0.4 * MS));
    // From now on 1400 bytes take 112 us at 100 Mbit/s.
    const left = p.waitNs(SIZE, 0.4 * MS);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(112_000);
    expect(p.rateBitsPerSec).toBe(100e6);
  });

  it('measured over a switch from 1 Gbit/s to 200 Mbit/s, each half runs at its own rate', () => {
    const p = new Pacer({ rateBitsPerSec: 1e9 });
    const rng = new SeededRandom(3);
    const first = simulate(p, 0, 1000 * MS, rng, 0.5);
    p.setRate(200e6, first.endNs);
    const second = simulate(p, first.endNs, first.endNs + 1000 * MS, rng, 0.5);
    const secondRate = (second.bytes * 8 * 1e9) / (second.endNs - first.endNs);
    expect(secondRate / 200e6).toBeGreaterThan(0.98);
    expect(secondRate / 200e6).toBeLessThan(1.03);
  });

  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects rate %p with TRANSPORT_BAD_OPTION', (rate) => {
    expect(() => new Pacer({ rateBitsPerSec: rate })).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
    const p = new Pacer({ rateBitsPerSec: 1e6 });
    let thrown: unknown;
    try {
      p.setRate(rate, 0);
    } catch (err) {
      thrown = err;
    }
    expect(isCastpointError(thrown, 'TRANSPORT_BAD_OPTION')).toBe(true);
    expect(p.rateBitsPerSec).toBe(1e6);
  });
});
