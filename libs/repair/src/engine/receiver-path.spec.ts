import type { ControlMessage, DataMessage, Packet, StatusMessage } from '@castpoint/wire';
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

describe('ReceiverEngine: whose clock the queueing delay is measured against', () => {
  const announce = { type: 'announce' as const, totalBlocks: 100_000 / 64, cursor: 0, pass: 0, grttMs: 10, rateBps: 1e5, repairs: [], probeId: 0, probeTargets: [], finished: false };

  /**
   * Data each ms and an announce each 20 ms from `sender`, whose clock reads t + offset and whose
   * packets are numbered from `seq` (those `lost` never arrive); also data from `others`.
   */
  function sendFrom(
    r: ReceiverEngine,
    fromMs: number,
    toMs: number,
    sender: number,
    offset: number,
    seq: { seq: bigint },
    others: Array<{ sender: number; offset: number; untilMs: number }> = [],
    lost: (seq: bigint) => boolean = () => false,
  ): StatusMessage[] {
    const out: StatusMessage[] = [];
    for (let t = fromMs; t < toMs; t++) {
      const now = t + 2;
      const n = Number(seq.seq++);
      const data: DataMessage = { type: 'data', block: Math.floor(n / 64) % 1000, symbol: n % 64, k: 64, payload };
      const events: Array<{ type: 'packet'; packet: Packet }> = lost(seq.seq) ? [] : [{ type: 'packet', packet: pkt(data, sender, seq.seq, t + offset) }];
      if (t % 20 === 0) events.push({ type: 'packet', packet: pkt(announce, sender, ++seq.seq, t + offset) });
      for (const o of others) if (t < o.untilMs) events.push({ type: 'packet', packet: pkt(data, o.sender, seq.seq, t + o.offset) });
      const actions = [...events.flatMap((e) => r.handle(e, now)), ...r.tick(now)];
      for (const a of actions) if (a.type === 'send' && a.message.type === 'status') out.push(a.message);
    }
    return out;
  }

  it('starts again with a new sender (a restarted DP, whose clock starts again): no queue is reported', () => {
    const r = new ReceiverEngine({ receiverId: 1, layout, symbolSize: SYMBOL, rng: seededRng(1) });
    const seq = { seq: 0n };
    sendFrom(r, 0, 1100, 0x80000001, 1e6, seq);
    // The DP restarted after 1000 s of uptime: epoch 2's sender id, a clock from 0.
    const after = sendFrom(r, 1100, 3300, 0x80000002, -1000, seq);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const s of after) expect(s.queueDelayUs).toBeUndefined();
    expect(after.at(-1)?.deliveryRateBps).toBe(100_000);
  });

  it('does not measure packets of a sender id no announce named (an insider with the session key)', () => {
    const r = new ReceiverEngine({ receiverId: 1, layout, symbolSize: SYMBOL, rng: seededRng(1) });
    const seq = { seq: 0n };
    // For its first 100 ms the insider's data claims to be sent 500 s later than the DP's: measured,
    // that is the base, and the DP's packets after it a 500 s queue.
    const reports = sendFrom(r, 0, 2100, 0x80000001, 1e6, seq, [{ sender: 0x0badcafe, offset: 1e6 + 5e5, untilMs: 100 }]);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const s of reports) expect(s.queueDelayUs).toBeUndefined();
  });

  it('reports the loss a new sender\'s packets meet, though it numbers them from 0 again', () => {
    const r = new ReceiverEngine({ receiverId: 1, layout, symbolSize: SYMBOL, rng: seededRng(1) });
    sendFrom(r, 0, 2100, 0x80000001, 1e6, { seq: 0n });
    // Against the old counter (past 2000) the new one's packets would all be late: no loss, no gap.
    const after = sendFrom(r, 2100, 4300, 0x80000002, -1000, { seq: 0n }, [], (seq) => seq % 10n === 5n);
    const last = statusOf(after.at(-1));
    expect(last.lossPpm).toBeGreaterThan(80_000);
    expect(last.lossPpm).toBeLessThan(120_000);
  });
});
