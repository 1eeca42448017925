import type { StatusMessage } from '@castpoint/wire';
import { seededRng } from '../rng';
import { PACKET_OVERHEAD_BYTES } from './bottleneck-law';
import { uniformLayout } from './layout';
import { SenderEngine, type SenderAction } from './sender';
import { control } from './test-helpers';

// The SenderEngine under its default law (`bottleneck`, issue 29.5), driven by hand.
const SYMBOL = 1000;
const CAP = 8e6;
const layout = uniformLayout(4000 * 64 * SYMBOL, SYMBOL, 64);

function sender(): SenderEngine {
  const s = new SenderEngine({ sessionId: 1, layout, symbolSize: SYMBOL, maxRateBytesPerSec: CAP, rng: seededRng(1) });
  s.handle({ type: 'register', receiverId: 1 }, 0);
  s.handle({ type: 'register', receiverId: 2 }, 0);
  return s;
}

/** Hands out symbols at the sender's rate from `fromMs` to `toMs`, ticking every 10 ms. */
function stream(s: SenderEngine, fromMs: number, toMs: number): SenderAction[] {
  const out: SenderAction[] = [];
  for (let t = fromMs; t < toMs; t += 10) {
    out.push(...s.tick(t));
    const n = Math.round((s.rateBytesPerSec * 10) / 1000 / SYMBOL);
    for (let i = 0; i < n; i++) s.nextData(t);
  }
  return out;
}

const status = (receiverId: number, extra: Partial<StatusMessage>): StatusMessage => ({
  type: 'status', receiverId, state: 'receiving', blocksDone: 1, totalBlocks: layout.totalBlocks, rateBps: 1e6, lossPpm: 0, ...extra,
});

describe('SenderEngine, bottleneck law', () => {
  it('starts at an eighth of the cap and doubles every rate round while nobody reports a queue, up to the cap', () => {
    const s = sender();
    expect(s.rateBytesPerSec).toBe(CAP / 8);
    const rates = stream(s, 0, 1500).flatMap((a) => (a.type === 'rate' ? [a.rateBytesPerSec] : []));
    expect(rates).toEqual([CAP / 4, CAP / 2, CAP]);
  });

  it('acts on a queue report at the next tick: start-up ends at 3/4 of the measured bottleneck', () => {
    const s = sender();
    stream(s, 0, 450); // at CAP / 2 since 400 ms
    s.handle(control(status(1, { rateBps: 2e6, deliveryRateBps: 2.5e6, queueDelayUs: 12_000, lossPpm: 20_000 })), 455);
    const wire = (SYMBOL + PACKET_OVERHEAD_BYTES) / SYMBOL;
    // The rate timer is not due until 600 ms: the report brought the round forward.
    expect(s.tick(456)).toContainEqual({ type: 'rate', rateBytesPerSec: Math.round(2.5e6 * wire * 0.75) });
  });

  it('start-up goes on through the delays of receivers that get all that is sent (a busy box), not through a real queue', () => {
    const s = sender();
    stream(s, 0, 450); // at CAP / 2 since 400 ms
    // Both keep up with the CAP / 2 sent (best windows at it or above), at 1% loss, yet report
    // 20-30 ms of delay: agents read late on a CPU-starved box.
    s.handle(control(status(1, { rateBps: 3.9e6, deliveryRateBps: 4.4e6, queueDelayUs: 20_000, lossPpm: 10_000, maxGap: 3 })), 455);
    s.handle(control(status(2, { rateBps: 3.8e6, deliveryRateBps: 3.9e6, queueDelayUs: 30_000, lossPpm: 10_000 })), 455);
    expect(stream(s, 455, 700).filter((a) => a.type === 'rate')).toEqual([{ type: 'rate', rateBytesPerSec: CAP }]);
    // At the cap the same receiver now gets under 95% of what is sent: the path's queue, start-up ends.
    stream(s, 700, 1000);
    s.handle(control(status(1, { rateBps: 6e6, deliveryRateBps: 6.5e6, queueDelayUs: 20_000, lossPpm: 10_000 })), 1000);
    const wire = (SYMBOL + PACKET_OVERHEAD_BYTES) / SYMBOL;
    expect(s.tick(1001)).toContainEqual({ type: 'rate', rateBytesPerSec: Math.round(6.5e6 * wire * 0.75) });
  });

  it('random loss without a queue does not lower the rate (5%, runs of a few packets)', () => {
    const s = sender();
    stream(s, 0, 1500);
    expect(s.rateBytesPerSec).toBe(CAP);
    for (let t = 1500; t < 4000; t += 100) {
      s.handle(control(status(1, { rateBps: 0.95 * CAP, deliveryRateBps: 0.97 * CAP, lossPpm: 50_000, maxGap: 4 })), t);
      s.handle(control(status(2, { rateBps: 0.99 * CAP, deliveryRateBps: 1.0 * CAP, lossPpm: 10_000, maxGap: 2, queueDelayUs: 900 })), t);
      stream(s, t, t + 100);
    }
    expect(s.rateBytesPerSec).toBe(CAP);
  });

  it('an agent older than the rate fields (loss and gaps only) still slows the sender', () => {
    const s = sender();
    stream(s, 0, 1500);
    s.handle(control(status(1, { rateBps: 0.3 * CAP, lossPpm: 700_000, maxGap: 40 })), 1500);
    const rate = stream(s, 1500, 1520).find((a) => a.type === 'rate');
    expect(rate).toEqual({ type: 'rate', rateBytesPerSec: Math.round(0.3 * CAP * ((SYMBOL + PACKET_OVERHEAD_BYTES) / SYMBOL) * 0.75) });
  });

  it('steady: a queue report cuts to 3% under the lower of the rate and the loss-corrected delivery rate, then waits for the queue to drain', () => {
    const s = sender();
    stream(s, 0, 450);
    s.handle(control(status(1, { rateBps: 2e6, deliveryRateBps: 3e6, queueDelayUs: 12_000 })), 455);
    stream(s, 455, 1200); // drained, then steady at the estimate, growing
    const before = s.rateBytesPerSec;
    s.handle(control(status(2, { rateBps: 3e6, deliveryRateBps: 4e6, queueDelayUs: 11_000, lossPpm: 50_000 })), 1200);
    stream(s, 1200, 1210);
    const estimate = (4e6 * ((SYMBOL + PACKET_OVERHEAD_BYTES) / SYMBOL)) / 0.95;
    const cut = Math.round(Math.min(before, estimate) * 0.97);
    expect(s.rateBytesPerSec).toBe(cut);
    // 11 ms of queue drain in ~370 ms at 3% under the bottleneck: reports until then cut nothing.
    s.handle(control(status(2, { rateBps: 3e6, deliveryRateBps: 4e6, queueDelayUs: 11_000 })), 1520);
    stream(s, 1520, 1530);
    expect(s.rateBytesPerSec).toBe(cut);
    s.handle(control(status(2, { rateBps: 3e6, deliveryRateBps: 4e6, queueDelayUs: 11_000 })), 1600);
    stream(s, 1600, 1610);
    expect(s.rateBytesPerSec).toBeLessThan(cut);
  });
});
