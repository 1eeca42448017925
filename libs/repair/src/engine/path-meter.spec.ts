import { PATH_WINDOW_MS, PathMeter } from './path-meter';

// A sender 1 packet/ms; its clock is `offset` ms ahead of ours and its 32-bit counter wraps.
function feed(m: PathMeter, fromMs: number, toMs: number, queueAt: (t: number) => number, offset = 2 ** 32 - 50): (number | undefined)[] {
  const closed: (number | undefined)[] = [];
  for (let t = fromMs; t < toMs; t++) closed.push(m.packet(Math.floor(t + offset) % 2 ** 32, 1000, t + 3 + queueAt(t)));
  return closed;
}

describe('PathMeter', () => {
  it('reads no queue on a steady path whatever the clock offset, across the sender counter wrap', () => {
    const m = new PathMeter();
    feed(m, 0, 500, () => 0);
    expect(m.take()).toEqual({ deliveryRateBps: 1_000_000, queueDelayUs: 0 });
  });

  it('reports a growing queue above the lowest one-way delay seen, in microseconds', () => {
    const m = new PathMeter();
    feed(m, 0, 200, () => 0);
    // From 200 ms a queue builds by 0.1 ms per ms: ~10 ms by the start of the last whole window
    // (windows run on the receive time, which the queue stretches).
    const closed = feed(m, 200, 300 + PATH_WINDOW_MS + 1, (t) => (t - 200) / 10).filter((x): x is number => x !== undefined);
    const last = closed.at(-1) as number;
    expect(last).toBeGreaterThan(8_000);
    expect(last).toBeLessThanOrEqual(10_000);
    expect(closed).toEqual([...closed].sort((a, b) => a - b)); // it grows window by window
    expect(m.take().queueDelayUs).toBe(last);
  });

  it('ignores a short stall of the receiving process: one window minimum counts, not one late packet', () => {
    const m = new PathMeter();
    feed(m, 0, 200, () => 0);
    feed(m, 200, 200 + 3 * PATH_WINDOW_MS, (t) => (t >= 260 && t < 280 ? 280 - t : 0)); // a 20 ms pause
    expect(m.take().queueDelayUs).toBe(0);
  });

  it('delivery rate is the best window since the last take', () => {
    const m = new PathMeter();
    feed(m, 0, 300, () => 0); // 1000 bytes per ms
    for (let t = 300; t < 600; t += 2) m.packet(t, 1000, t + 3); // half the rate
    expect(m.take().deliveryRateBps).toBe(1_000_000);
    for (let t = 600; t < 900; t += 2) m.packet(t, 1000, t + 3);
    expect(m.take().deliveryRateBps).toBe(500_000);
  });
});
