import type { ControlMessage, DataMessage, StatusMessage } from '@castpoint/wire';
import { seededRng } from '../rng';
import { uniformLayout } from './layout';
import { QUEUE_REPORT_US, ReceiverEngine } from './receiver';
import { pkt } from './test-helpers';

// The receiver's rate-control figures in its status (issue 29.5): delivery rate and queueing delay.
const SYMBOL = 100;
const layout = uniformLayout(100_000 * SYMBOL, SYMBOL, 64);
const payload = new Uint8Array(SYMBOL);

/** One data packet per ms from `fromMs` to `toMs` (sender clock 1e6 ms ahead); returns the status reports. */
function run(r: ReceiverEngine, fromMs: number, toMs: number, queueMs: (t: number) => number, first = { seq: 0n }): StatusMessage[] {
  const out: StatusMessage[] = [];
  for (let t = fromMs; t < toMs; t++) {
    const n = Number(first.seq++);
    const m: DataMessage = { type: 'data', block: Math.floor(n / 64), symbol: n % 64, k: 64, payload };
    const now = t + 2 + queueMs(t);
    const actions = [...r.handle({ type: 'packet', packet: pkt(m, 0x80000001, first.seq, t + 1e6) }, now), ...r.tick(now)];
    for (const a of actions) if (a.type === 'send' && a.message.type === 'status') out.push(a.message);
  }
  return out;
}

const statusOf = (m: ControlMessage | undefined): StatusMessage => m as StatusMessage;

describe('ReceiverEngine: delivery rate and queueing delay', () => {
  it('reports its delivery rate and no queue on a steady path', () => {
    const r = new ReceiverEngine({ receiverId: 1, layout, symbolSize: SYMBOL, rng: seededRng(1) });
    const reports = run(r, 0, 2100, () => 0);
    const last = statusOf(reports.at(-1));
    expect(last.deliveryRateBps).toBe(100_000);
    expect(last.queueDelayUs).toBeUndefined();
    expect(reports.length).toBe(3); // the hello and one a second
  });

  it('reports a queue as it builds, before its status interval is over', () => {
    const r = new ReceiverEngine({ receiverId: 1, layout, symbolSize: SYMBOL, rng: seededRng(1) });
    const seq = { seq: 0n };
    run(r, 0, 1100, () => 0, seq); // hello + the 1 s report
    // From 1100 ms a queue grows by 0.2 ms per ms: 10 ms (the default target) after 50 ms.
    const reports = run(r, 1100, 1400, (t) => (t - 1100) / 5, seq);
    const early = statusOf(reports[0]);
    expect(early.queueDelayUs).toBeGreaterThanOrEqual(QUEUE_REPORT_US);
    expect(reports.length).toBeGreaterThanOrEqual(2); // then at most one per 100 ms while it lasts
  });
});
