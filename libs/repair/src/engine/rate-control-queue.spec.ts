import { RateControl } from './rate-control';

// The slow-receiver policy under the bottleneck law: which queued receivers are moved out.
const MAX = 7.5e6; // 60 Mbit/s in bytes/s

function rounds(rc: RateControl, n: number, report: () => void): string[] {
  const decisions: string[] = [];
  for (let i = 1; i <= n; i++) {
    rc.sent(rc.rateBytesPerSec / 5); // the sender uses its rate
    report();
    for (const d of rc.round(i * 200, 3)) decisions.push(`${d.kind} ${d.receiverId}`);
  }
  return decisions;
}

function tiers(): RateControl {
  return new RateControl({ maxRateBytesPerSec: MAX, minRateBytesPerSec: MAX / 100, initialRateBytesPerSec: MAX, policy: { kind: 'tiers' }, congestionLossPpm: 250_000, congestionGap: 16, slowRounds: 3, tierRatio: 0.5, law: 'bottleneck', symbolSize: 1400 });
}

describe('RateControl, bottleneck law: a queue and the tiers policy', () => {
  it('a receiver behind a slow port (best window well under the sent rate) is demoted without cutting the rate', () => {
    const rc = tiers();
    rc.round(0, 3); // the first round only starts the sent-rate clock
    const decisions = rounds(rc, 4, () => rc.report({ receiverId: 3, rateBytesPerSec: MAX / 3, deliveryRateBps: MAX / 3, lossPpm: 30_000, queueDelayUs: 40_000 }));
    expect(decisions).toEqual(['demote 3']);
    expect(rc.rateBytesPerSec).toBe(MAX);
  });

  it('a CPU-starved receiver (a queue, no loss, its backlog read in bursts) is not demoted: it slows the group', () => {
    const rc = tiers();
    const decisions = rounds(rc, 6, () => rc.report({ receiverId: 3, rateBytesPerSec: MAX / 10, deliveryRateBps: 1.2 * MAX, lossPpm: 0, queueDelayUs: 40_000 }));
    expect(decisions).toEqual([]);
    expect(rc.rateBytesPerSec).toBeLessThan(MAX);
  });
});
