import { VirtualClock } from '@castpoint/transport';
import type { ImageRecord } from '../state/types';
import { JOIN_GRACE_MS, LiveSession, UNJOINED_SESSION_MS } from './live-session';
import type { RunnerStats, SessionRunner } from './runner';
import { scheduleFor } from './schedule';
import { newSessionRecord } from './session-record';

const T0 = Date.parse('2026-11-24T00:00:00Z');

const img: ImageRecord = {
  name: 'img',
  file: '/images/img.raw',
  manifestHash: 'ab'.repeat(32),
  size: 3 << 20,
  chunks: 3,
  fileMtimeMs: T0,
  addedAt: new Date(T0).toISOString(),
  settings: { multicastOnly: false, encrypt: false, mode: 'scheduled', minClients: 2, startDelaySec: 60, slowPolicy: { kind: 'same-speed' } },
};

/** Counts what the session asks of its runner. */
class StubRunner implements SessionRunner {
  readonly receivers = new Set<number>();
  closed = false;
  bytesSent = 0;
  joiners: { count: number; graceMs: number } | undefined;
  start(): Promise<void> {
    return Promise.resolve();
  }
  addReceiver(id: number): void {
    this.receivers.add(id);
  }
  removeReceiver(id: number): void {
    this.receivers.delete(id);
  }
  awaitJoiners(count: number, graceMs: number): void {
    this.joiners = { count, graceMs };
  }
  stats(): RunnerStats {
    return { bytesSent: this.bytesSent, packetsSent: 7, dataPackets: 0, repairPackets: 0, nacksReceived: 0, badPackets: 0, controlErrors: 0, unknownReceiverPackets: 0, refusedRepairSymbols: 0, rateBytesPerSec: 0, grttMs: 1 };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function waitingSession(clock = new VirtualClock()): LiveSession {
  const schedule = scheduleFor(img.settings, T0);
  const record = newSessionRecord({ id: 1, img, group: { group: '239.255.0.1', port: 63000 }, senderAddress: '10.0.0.1', key: 'k', tier: 0, maxRateBps: 1e6, nowMs: T0, schedule });
  return new LiveSession(record, schedule, clock);
}

describe('LiveSession', () => {
  it('keeps its times as ms and writes the record ISO', () => {
    const s = waitingSession();
    expect(s.record).toMatchObject({ state: 'waiting', createdAt: '2026-11-24T00:00:00.000Z', startsAt: '2026-11-24T00:01:00.000Z', minClients: 2 });
    expect(s.startReason(T0 + 59_999)).toBeUndefined();
    expect(s.startReason(T0 + 60_000)).toBe('start-time');
    s.markRunning(T0 + 60_000);
    expect(s.record).toMatchObject({ state: 'running', startedAt: '2026-11-24T00:01:00.000Z' });
  });

  it('reads a loaded record\'s ISO times once, and goes on from them (a DP restart)', () => {
    const before = waitingSession();
    before.markRunning(T0 + 60_000);
    const after = LiveSession.loaded(structuredClone(before.record), new VirtualClock());
    expect(after.isUnjoined(T0 + 60_000 + UNJOINED_SESSION_MS)).toBe(false);
    expect(after.isUnjoined(T0 + 60_001 + UNJOINED_SESSION_MS)).toBe(true);
  });

  it('counts an agent toward --min-clients once, and drops one that stopped asking', () => {
    const s = waitingSession();
    s.enrol('pc1', T0, 1500);
    s.enrol('pc1', T0 + 1000, 1500);
    expect(s.record.waiting).toEqual(['pc1']);
    s.enrol('pc2', T0 + 10_000, 1500);
    expect(s.startReason(T0 + 10_000)).toBe('min-clients');
    expect(s.dropSilentWaiters(T0 + 16_500, 15_000)).toEqual(['pc1']);
    expect(s.record.waiting).toEqual(['pc2']);
  });

  it('sizes its symbols by the MTUs of the agents still waiting, and no longer once it has a size', () => {
    const s = waitingSession();
    s.enrol('pc1', T0, 1500);
    s.enrol('pc2', T0 + 10_000, 9000);
    s.enrol('pc3', T0 + 10_000, 9000);
    expect(s.knownMtus().sort()).toEqual([1500, 9000, 9000]);
    // pc1 stopped asking: its MTU no longer holds the session back.
    s.dropSilentWaiters(T0 + 16_500, 15_000);
    expect(s.knownMtus()).toEqual([9000, 9000]);
    s.record.symbolSize = 8900;
    s.enrol('pc4', T0 + 17_000, 1500);
    expect(s.knownMtus()).toEqual([9000, 9000]);
    expect(s.admission().symbolSize).toBe(8900);
  });

  it('stays open for the agents that waited until they joined, or JOIN_GRACE_MS after the start', async () => {
    const s = waitingSession();
    s.enrol('pc1', T0, 1500);
    s.enrol('pc2', T0, 1500);
    s.markRunning(T0 + 1000);
    const runner = new StubRunner();
    await s.run(runner);
    s.started();
    expect(runner.joiners).toEqual({ count: 2, graceMs: 1500 });
    s.addReceiver(11, 'pc1');
    expect(runner.receivers).toEqual(new Set([11]));
    const done = (): boolean => true;
    expect(s.isComplete(done, T0 + 1000 + JOIN_GRACE_MS - 1)).toBe(false); // pc2 may still come
    expect(s.isComplete(done, T0 + 1000 + JOIN_GRACE_MS)).toBe(true);
  });

  it('trusts the engine over client states once it reported the session finished', async () => {
    const s = waitingSession();
    s.markRunning(T0);
    await s.run(new StubRunner());
    s.addReceiver(11, 'pc1');
    const open = (): boolean => false;
    expect(s.isComplete(open, T0)).toBe(false);
    s.engineReportedFinished();
    expect(s.isComplete(open, T0)).toBe(true);
    // A receiver joining after the engine's word makes it unfinished again.
    s.addReceiver(12, 'pc2');
    expect(s.isComplete(open, T0)).toBe(false);
  });

  it('end() lets go of everything at once: held requests answered, runner handed back, counters and end in the record', async () => {
    const clock = new VirtualClock();
    const s = waitingSession(clock);
    s.enrol('pc1', T0, 1500);
    let answered = false;
    const held = s.hold(2000).then(() => (answered = true));
    expect(s.heldRequests).toBe(1);
    s.markRunning(T0 + 5000);
    const runner = new StubRunner();
    await s.run(runner);
    runner.bytesSent = 4200;
    const handedBack = s.end('cancelled', 'cancelled by the administrator', T0 + 9000);
    await held;
    expect(answered).toBe(true);
    expect(clock.pending).toBe(0); // the hold's timeout went with it
    expect(handedBack).toBe(runner);
    expect(s.stats()).toBeUndefined();
    expect(s.isLive).toBe(false);
    expect(s.record).toMatchObject({ state: 'cancelled', endedAt: '2026-11-24T00:00:09.000Z', endReason: 'cancelled by the administrator', bytesSent: 4200, packetsSent: 7 });
  });

  it('answers a held request when its hold runs out on the clock', async () => {
    const clock = new VirtualClock();
    const s = waitingSession(clock);
    let answered = false;
    const held = s.hold(2000).then(() => (answered = true));
    clock.advance(1999);
    await Promise.resolve();
    expect(answered).toBe(false);
    clock.advance(1);
    await held;
    expect(s.heldRequests).toBe(0);
  });
});
