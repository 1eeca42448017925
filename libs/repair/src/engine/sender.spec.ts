import { createSessionKey, encodePacket, isCastpointError, type AnnounceMessage } from '@castpoint/wire';
import { seededRng } from '../rng';
import { uniformLayout } from './layout';
import { SenderEngine, type SenderAction, type SenderOptions } from './sender';
import { control } from './test-helpers';

const layout = uniformLayout(10 * 4 * 100 - 150, 100, 4); // 10 blocks of k=4, the last k=3 (short last symbol)

function sender(extra: Partial<SenderOptions> = {}): SenderEngine {
  return new SenderEngine({ sessionId: 1, layout, symbolSize: 100, maxRateBytesPerSec: 1e6, rng: seededRng(1), interleave: 2, ...extra });
}

function announces(actions: SenderAction[]): AnnounceMessage[] {
  return actions.flatMap((a) => (a.type === 'send' && a.message.type === 'announce' ? [a.message] : []));
}

function drain(s: SenderEngine, now: number): { block: number; symbol: number; repair: boolean }[] {
  const out = [];
  for (let pick = s.nextData(now); pick; pick = s.nextData(now)) out.push({ block: pick.block, symbol: pick.symbol, repair: pick.repair });
  return out;
}

describe('SenderEngine', () => {
  it('sends nothing without receivers, then every source symbol once, interleaved in groups', () => {
    const s = sender();
    expect(s.nextData(0)).toBeUndefined();
    s.handle({ type: 'register', receiverId: 7 }, 0);
    const sent = drain(s, 0);
    expect(sent.slice(0, 4)).toEqual([
      { block: 0, symbol: 0, repair: false },
      { block: 1, symbol: 0, repair: false },
      { block: 0, symbol: 1, repair: false },
      { block: 1, symbol: 1, repair: false },
    ]);
    expect(sent).toHaveLength(9 * 4 + 3);
    expect(new Set(sent.map((x) => `${x.block}/${x.symbol}`)).size).toBe(39);
    expect(announces(s.tick(1))[0]).toMatchObject({ cursor: 10, pass: 1, totalBlocks: 10, finished: false });
  });

  it('announces only what the wire can carry: whole-ms GRTT, repair runs ending by symbol 254', () => {
    const s = sender({ maxParityPerBlock: 250 });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    drain(s, 0);
    const key = createSessionKey(new Uint8Array(32), false);
    let seq = 0n;
    // A receiver that keeps needing many symbols of block 0 drives the parity rotation round and past 254.
    for (let t = 10; t < 4000; t += 10) {
      const out = [...s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: 0, needed: 4 }], ranges: [] }), t), ...s.tick(t)];
      drain(s, t);
      for (const m of announces(out)) {
        expect(Number.isInteger(m.grttMs)).toBe(true);
        for (const r of m.repairs) expect(r.firstSymbol + r.count).toBeLessThanOrEqual(255);
        expect(() => encodePacket({ sessionId: 1, senderId: 0x80000001, seq: seq++, sentAtMs: t }, m, key)).not.toThrow();
      }
    }
    expect(s.stats().repairSymbols).toBeGreaterThan(251);
  });

  it('repairs the max of what receivers need (not the sum), fresh parity first, interleaved with new data', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.handle({ type: 'register', receiverId: 2 }, 0);
    for (let i = 0; i < 8; i++) s.nextData(0); // blocks 0 and 1
    const a = s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: 0, needed: 2 }], ranges: [] }), 100);
    s.handle(control({ type: 'nack', receiverId: 2, entries: [{ block: 0, needed: 1 }], ranges: [] }), 100);
    // The grown plan is announced at once so other receivers can stay quiet.
    expect(announces(a)[0]?.repairs).toEqual([{ block: 0, firstSymbol: 4, count: 2 }]);
    const next = drain(s, 100).slice(0, 6);
    // At most one slot in three is a repair while new data remains: the stream never stalls, and
    // a receiver that needs no repair gets at least 2/3 of the slots (1.5x its time alone at most).
    expect(next).toEqual([
      { block: 0, symbol: 4, repair: true },
      { block: 2, symbol: 0, repair: false },
      { block: 3, symbol: 0, repair: false },
      { block: 0, symbol: 5, repair: true },
      { block: 2, symbol: 1, repair: false },
      { block: 3, symbol: 1, repair: false },
    ]);
    expect(s.stats().repairSymbols).toBe(2);
  });

  it('discounts repairs still in flight, and sends whole blocks for ranges', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    drain(s, 0);
    s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: 4, needed: 2 }], ranges: [] }), 10);
    expect(drain(s, 10).map((x) => x.symbol)).toEqual([4, 5]);
    // A second NACK written before those two arrived: nothing more to send.
    s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: 4, needed: 2 }], ranges: [] }), 11);
    expect(drain(s, 11)).toEqual([]);
    // Much later the same need is real again: fresh symbols, not the same ones.
    s.tick(500);
    s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: 4, needed: 1 }], ranges: [{ first: 9, last: 9 }] }), 500);
    expect(drain(s, 500)).toEqual([
      { block: 4, symbol: 6, repair: true },
      { block: 9, symbol: 3, repair: true },
      { block: 9, symbol: 4, repair: true },
      { block: 9, symbol: 5, repair: true },
    ]);
  });

  it('ignores packets of another session', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    const other = control({ type: 'leave', receiverId: 1, reason: 'complete' });
    expect(s.handle({ type: 'packet', packet: { ...other.packet, envelope: { ...other.packet.envelope, sessionId: 2 } } }, 1)).toEqual([]);
    expect(s.handle(other, 2)).toEqual([{ type: 'receiver-done', receiverId: 1 }, { type: 'finished' }]);
  });

  it('lets a NACK-driven announce stand in for the periodic one, probes included', () => {
    // 100 blocks; a NACK for a new block every 15 ms grows the repair plan each time.
    const s = new SenderEngine({ sessionId: 1, layout: uniformLayout(100 * 4 * 100, 100, 4), symbolSize: 100, maxRateBytesPerSec: 1e6, rng: seededRng(1), interleave: 2 });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    drain(s, 0);
    const sent: AnnounceMessage[] = [...announces(s.tick(0))];
    for (let t = 15, block = 0; t <= 1500; t += 15, block++) {
      const urgent = announces(s.handle(control({ type: 'nack', receiverId: 1, entries: [{ block: block % 100, needed: 1 }], ranges: [] }), t));
      expect(urgent).toHaveLength(1);
      sent.push(...urgent);
      // The periodic announce (every 20 ms here) is not due 5 ms after one that went out at once.
      sent.push(...announces(s.tick(t + 5)));
    }
    // One announce per NACK and the first periodic one: with the two kinds on their own clocks
    // this was 151 (50 periodic ones besides).
    expect(sent).toHaveLength(101);
    // Probes (every 100 ms here) still go out, in whatever announce is due.
    expect(sent.filter((m) => m.probeId > 0).length).toBeGreaterThanOrEqual(14);
  });

  it('finishes once every registered receiver is done, and says so in the announce', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.handle({ type: 'register', receiverId: 2 }, 0);
    drain(s, 0);
    const done = s.handle(control({ type: 'status', receiverId: 1, state: 'done', blocksDone: 10, totalBlocks: 10, rateBps: 0, lossPpm: 0 }), 5);
    expect(done).toEqual([{ type: 'receiver-done', receiverId: 1 }]);
    const fin = s.handle(control({ type: 'leave', receiverId: 2, reason: 'complete' }), 6);
    expect(fin).toEqual([{ type: 'receiver-done', receiverId: 2 }, { type: 'finished' }]);
    expect(announces(s.tick(7))[0]?.finished).toBe(true);
    expect(s.nextData(8)).toBeUndefined();
  });

  it('drops a silent receiver after the timeout (seconds) and then finishes', () => {
    const s = sender({ silentTimeoutMs: 3000 });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.handle({ type: 'register', receiverId: 2 }, 0);
    s.handle(control({ type: 'leave', receiverId: 1, reason: 'complete' }), 10);
    expect(s.tick(2999).filter((a) => a.type !== 'send')).toEqual([]);
    expect(s.tick(3300).filter((a) => a.type !== 'send')).toEqual([{ type: 'drop', receiverId: 2, reason: 'silent' }, { type: 'finished' }]);
  });

  it('gives a receiver that has not spoken yet firstReportTimeoutMs, then the usual silence timeout', () => {
    const s = sender({ silentTimeoutMs: 3000, firstReportTimeoutMs: 10_000 });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.handle({ type: 'register', receiverId: 2 }, 0);
    // Receiver 1 speaks once at 6 s (a slow machine's first status), then falls silent.
    expect(s.tick(5000).filter((a) => a.type !== 'send')).toEqual([]);
    s.handle(control({ type: 'status', receiverId: 1, state: 'receiving', blocksDone: 0, totalBlocks: 10, rateBps: 0, lossPpm: 0 }), 6000);
    expect(s.tick(8900).filter((a) => a.type !== 'send')).toEqual([]);
    expect(s.tick(9200).filter((a) => a.type !== 'send')).toEqual([{ type: 'drop', receiverId: 1, reason: 'silent' }]);
    // Receiver 2 never spoke: dropped only after firstReportTimeoutMs (the scan runs every 250 ms).
    expect(s.tick(9900).filter((a) => a.type !== 'send')).toEqual([]);
    expect(s.tick(10_200).filter((a) => a.type !== 'send')).toEqual([{ type: 'drop', receiverId: 2, reason: 'silent' }, { type: 'finished' }]);
  });

  it('refuses a firstReportTimeoutMs that is not positive', () => {
    expect(() => sender({ firstReportTimeoutMs: 0 })).toThrow(/firstReportTimeoutMs must be > 0/);
  });

  it('measures GRTT from targeted probes (largest receiver RTT) and announces it', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    const probe = announces(s.tick(0))[0] as AnnounceMessage;
    expect(probe.probeId).toBeGreaterThan(0);
    expect(probe.probeTargets).toEqual([1]);
    s.handle(control({ type: 'probe-echo', receiverId: 1, probeId: probe.probeId, probeSentAtMs: 0, holdMs: 3 }), 30);
    expect(s.grttMs).toBe(27);
    expect(announces(s.tick(1000))[0]?.grttMs).toBe(27);
  });

  it('lets GRTT fall slowly while data streams, and at once after the pass (queues drained)', () => {
    const s = sender();
    s.handle({ type: 'register', receiverId: 1 }, 0);
    const echo = (at: number, rtt: number): void => {
      const probe = announces(s.tick(at)).find((a) => a.probeId > 0) as AnnounceMessage;
      s.handle(control({ type: 'probe-echo', receiverId: 1, probeId: probe.probeId, probeSentAtMs: at, holdMs: 0 }), at + rtt);
    };
    echo(0, 80);
    expect(s.grttMs).toBe(80);
    s.nextData(100); // the pass has begun, far from its end
    echo(1000, 2);
    expect(s.grttMs).toBeGreaterThan(60); // EWMA of the receiver, then 0.9 / 0.1 decay
    drain(s, 2000); // the pass is over: only repairs from now on
    echo(3000, 2);
    expect(s.grttMs).toBe(2);
  });

  it('probes every receiver right after the pass and counts only RTTs measured since', () => {
    const s = sender();
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const id of ids) s.handle({ type: 'register', receiverId: id }, 0);
    // While data streams, every receiver gets measured at ~100 ms (queues), a few per probe.
    let t = 0;
    for (let round = 0; round < 20 && s.stats().receivers.some((r) => r.rttMs === undefined); round++) {
      t += 500;
      const probe = announces(s.tick(t)).find((a) => a.probeId > 0) as AnnounceMessage;
      for (const id of probe.probeTargets) s.handle(control({ type: 'probe-echo', receiverId: id, probeId: probe.probeId, probeSentAtMs: t, holdMs: 0 }), t + 100);
    }
    expect(s.stats().receivers.every((r) => r.rttMs === 100)).toBe(true);
    expect(s.grttMs).toBe(100);
    drain(s, t + 200); // the pass ends here
    const after = announces(s.tick(t + 201)).find((a) => a.probeId > 0) as AnnounceMessage;
    expect([...after.probeTargets].sort((a, b) => a - b)).toEqual(ids); // all of them, at once
    const echo = (id: number, rtt: number): void => {
      s.handle(control({ type: 'probe-echo', receiverId: id, probeId: after.probeId, probeSentAtMs: t + 201, holdMs: 0 }), t + 201 + rtt);
    };
    echo(3, 3);
    expect(s.grttMs).toBe(3); // the 7 others' 100 ms are from the pass: no longer counted
    echo(5, 40);
    expect(s.grttMs).toBe(40); // a receiver still behind raises it at once
    for (const id of [1, 2, 4, 6, 7, 8]) echo(id, 2);
    expect(s.grttMs).toBe(40);
  });

  it('aimd: cuts the rate when a receiver cannot absorb it and raises it again (same-speed)', () => {
    const s = sender({ maxRateBytesPerSec: 1e6, minRateBytesPerSec: 1e5, rateLaw: 'aimd' });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.tick(0);
    s.handle(control({ type: 'status', receiverId: 1, state: 'receiving', blocksDone: 1, totalBlocks: 10, rateBps: 4e5, lossPpm: 600_000 }), 100);
    expect(s.tick(250)).toContainEqual({ type: 'rate', rateBytesPerSec: 750_000 });
    s.handle(control({ type: 'status', receiverId: 1, state: 'receiving', blocksDone: 2, totalBlocks: 10, rateBps: 7e5, lossPpm: 10_000 }), 300);
    expect(s.tick(500)).toContainEqual({ type: 'rate', rateBytesPerSec: 800_000 });
  });

  it('aimd: reads a long run of missed packets as congestion even at low loss; short runs are random loss', () => {
    const s = sender({ maxRateBytesPerSec: 1e6, minRateBytesPerSec: 1e5, rateLaw: 'aimd' });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.tick(0);
    const status = { type: 'status' as const, receiverId: 1, state: 'receiving' as const, blocksDone: 1, totalBlocks: 10, rateBps: 9e5, lossPpm: 5_000 };
    s.handle(control({ ...status, maxGap: 15 }), 100);
    expect(s.tick(250).filter((a) => a.type === 'rate')).toEqual([]); // at the cap, nothing to add
    s.handle(control({ ...status, maxGap: 120 }), 300);
    expect(s.tick(500)).toContainEqual({ type: 'rate', rateBytesPerSec: 750_000 });
    s.handle(control({ ...status, maxGap: 3 }), 600);
    expect(s.tick(750)).toContainEqual({ type: 'rate', rateBytesPerSec: 800_000 });
  });

  it('disconnect policy: a receiver below the threshold for 3 rounds gets a fallback kick', () => {
    const s = sender({ slowPolicy: { kind: 'disconnect', kbps: 500 } });
    s.handle({ type: 'register', receiverId: 1 }, 0);
    s.handle({ type: 'register', receiverId: 2 }, 0);
    const actions: SenderAction[] = [];
    for (let round = 0; round < 3; round++) {
      const t = 250 * (round + 1);
      s.handle(control({ type: 'status', receiverId: 1, state: 'receiving', blocksDone: 1, totalBlocks: 10, rateBps: 2e5, lossPpm: 800_000 }), t - 10);
      s.handle(control({ type: 'status', receiverId: 2, state: 'receiving', blocksDone: 1, totalBlocks: 10, rateBps: 9e5, lossPpm: 0 }), t - 10);
      actions.push(...s.tick(t));
    }
    expect(actions).toContainEqual({ type: 'fallback', receiverId: 1 });
    expect(actions).toContainEqual({ type: 'send', message: expect.objectContaining({ type: 'kick', receiverId: 1, reason: 'fallback' }) });
    expect(actions).toContainEqual({ type: 'drop', receiverId: 1, reason: 'kicked' });
    expect(actions.filter((a) => a.type === 'rate')).toEqual([]); // the slow one never held the others back
    expect(s.stats().receivers.map((r) => r.receiverId)).toEqual([2]);
  });

  it('rejects bad options with typed errors', () => {
    const code = (extra: Partial<SenderOptions>): string | undefined => {
      try {
        sender(extra);
      } catch (err) {
        return isCastpointError(err) ? err.code : 'untyped';
      }
      return undefined;
    };
    expect(code({ maxRateBytesPerSec: 0 })).toBe('REPAIR_BAD_OPTIONS');
    expect(code({ minRateBytesPerSec: 2e6 })).toBe('REPAIR_BAD_OPTIONS');
    expect(code({ slowPolicy: { kind: 'disconnect', kbps: 0 } })).toBe('REPAIR_BAD_OPTIONS');
    expect(code({ maxParityPerBlock: 0 })).toBe('REPAIR_BAD_OPTIONS');
    expect(code({ layout: { totalBlocks: 2, blockK: () => 300 } })).toBe('REPAIR_BAD_LAYOUT');
    expect(code({})).toBeUndefined();
  });
});
