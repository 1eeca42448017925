import type { Clock } from './clock';
import { VirtualClock } from './clock';
import { PACED_IDLE, runPaced } from './paced-run';
import { SeededRandom } from './prng';

const SIZE = 1400;

/** A Clock on a VirtualClock whose timers fire up to 0.5 ms late (0: next turn). */
function virtualClock(seed: number): { clock: Clock; sched: VirtualClock } {
  const sched = new VirtualClock();
  const rng = new SeededRandom(seed);
  const clock: Clock = {
    now: () => sched.now(),
    schedule: (fn, ms) => sched.schedule(fn, ms <= 0 ? 0 : ms + rng.next() * 0.5),
  };
  return { clock, sched };
}

/** A send whose completion comes 0.05 ms later, like a socket's callback. */
function sender(sched: VirtualClock, log: Array<{ atMs: number; bytes: number }>) {
  return (bytes: Uint8Array, done: (err?: Error) => void): void => {
    log.push({ atMs: sched.now(), bytes: bytes.length });
    sched.schedule(() => done(), 0.05);
  };
}

describe('runPaced', () => {
  it('sends a finite source at the target rate and reports it', async () => {
    const { clock, sched } = virtualClock(1);
    const log: Array<{ atMs: number; bytes: number }> = [];
    const total = 45_000; // 0.5 s at 1 Gbit/s
    let n = 0;
    const run = runPaced({ rateBitsPerSec: 1e9, clock, next: () => (n++ < total ? new Uint8Array(SIZE) : undefined), send: sender(sched, log) });
    sched.advance(2000);
    const r = await run.done;
    expect(r.datagrams).toBe(total);
    expect(r.bytes).toBe(total * SIZE);
    expect(r.achievedBitsPerSec / 1e9).toBeGreaterThan(0.99);
    expect(r.achievedBitsPerSec / 1e9).toBeLessThan(1.01);
  });

  it.each([
    // ~1.25 ms a sleep (1 ms and up to 0.5 ms late): ~400 bursts in 0.5 s.
    { minSleepMs: undefined, bursts: [300, 450] },
    // ~2.25 ms: about half as many, each twice as large, at the same rate.
    { minSleepMs: 2, bursts: [180, 250] },
  ])('sleeps at least minSleepMs between bursts ($minSleepMs), holding the rate', async ({ minSleepMs, bursts }) => {
    const { clock, sched } = virtualClock(3);
    const log: Array<{ atMs: number; bytes: number }> = [];
    const total = 45_000; // 0.5 s at 1 Gbit/s
    let n = 0;
    const run = runPaced({
      rateBitsPerSec: 1e9,
      maxBurstMs: 4,
      ...(minSleepMs !== undefined ? { minSleepMs } : {}),
      clock,
      next: () => (n++ < total ? new Uint8Array(SIZE) : undefined),
      send: sender(sched, log),
    });
    sched.advance(2000);
    const r = await run.done;
    expect(r.datagrams).toBe(total);
    expect(r.achievedBitsPerSec / 1e9).toBeGreaterThan(0.99);
    expect(r.achievedBitsPerSec / 1e9).toBeLessThan(1.01);
    const wakes = new Set(log.map((e) => e.atMs)).size;
    expect(wakes).toBeGreaterThanOrEqual(bursts[0] as number);
    expect(wakes).toBeLessThanOrEqual(bursts[1] as number);
  });

  it('refuses a minSleepMs that is not a positive whole number of ms', () => {
    for (const minSleepMs of [0, 1.5, -1, Number.NaN]) {
      expect(() => runPaced({ rateBitsPerSec: 1e6, minSleepMs, next: () => undefined, send: () => undefined })).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
    }
  });

  it('applies setRate at once, cutting short a sleep computed for the old rate', async () => {
    const { clock, sched } = virtualClock(2);
    const log: Array<{ atMs: number; bytes: number }> = [];
    const run = runPaced({ rateBitsPerSec: 1e6, clock, next: () => new Uint8Array(SIZE), send: sender(sched, log) });
    // At 1 Mbit/s the second datagram is due 10.4 ms after the first: at 3 ms the loop is asleep.
    sched.advance(3);
    expect(log).toHaveLength(1);
    run.setRate(1e9);
    sched.advance(2);
    expect(log.length).toBeGreaterThan(50);
    sched.advance(98);
    const at1G = log.filter((e) => e.atMs > 3).length;
    expect((at1G * SIZE * 8) / 0.1 / 1e9).toBeGreaterThan(0.97);
    expect((at1G * SIZE * 8) / 0.1 / 1e9).toBeLessThan(1.02);
    run.stop();
    sched.advance(1);
    const r = await run.done;
    expect(r.datagrams).toBe(log.length);
  });

  it('never has more than maxInFlight sends pending', async () => {
    const { clock, sched } = virtualClock(3);
    let pending = 0;
    let peak = 0;
    let n = 0;
    const run = runPaced({
      rateBitsPerSec: 1e9,
      maxInFlight: 8,
      clock,
      next: () => (n++ < 5000 ? new Uint8Array(SIZE) : undefined),
      send: (_b, done) => {
        pending++;
        peak = Math.max(peak, pending);
        // A slow socket: each send takes 0.2 ms.
        sched.schedule(() => {
          pending--;
          done();
        }, 0.2);
      },
    });
    sched.advance(5000);
    const r = await run.done;
    expect(r.datagrams).toBe(5000);
    expect(peak).toBe(8);
  });

  it('survives a send that completes synchronously', async () => {
    const { clock, sched } = virtualClock(4);
    let n = 0;
    const run = runPaced({ rateBitsPerSec: 100e6, maxInFlight: 1, clock, next: () => (n++ < 1000 ? new Uint8Array(SIZE) : undefined), send: (_b, done) => done() });
    sched.advance(1000);
    expect((await run.done).datagrams).toBe(1000);
  });

  it('stops at once when a synchronous send fails', async () => {
    const { clock, sched } = virtualClock(6);
    let sent = 0;
    const run = runPaced({ rateBitsPerSec: 1e9, clock, next: () => new Uint8Array(SIZE), send: (_b, done) => done(++sent === 3 ? new Error('sync boom') : undefined) });
    sched.advance(20);
    await expect(run.done).rejects.toThrow('sync boom');
    expect(sent).toBe(3);
  });

  it('rejects done with the first send error and stops sending', async () => {
    const { clock, sched } = virtualClock(5);
    let sent = 0;
    const run = runPaced({
      rateBitsPerSec: 100e6,
      clock,
      next: () => new Uint8Array(SIZE),
      send: (_b, done) => {
        const nth = ++sent;
        sched.schedule(() => done(nth === 10 ? new Error('boom') : undefined), 0.01);
      },
    });
    sched.advance(50);
    await expect(run.done).rejects.toThrow('boom');
    const after = sent;
    sched.advance(50);
    expect(sent).toBe(after);
  });

  it('idles while next() has nothing to send, and resumes on wake()', async () => {
    const { clock, sched } = virtualClock(7);
    const log: Array<{ atMs: number; bytes: number }> = [];
    let ready = 3;
    let asked = 0;
    const run = runPaced({
      rateBitsPerSec: 1e9,
      clock,
      next: () => {
        asked++;
        if (ready === 0) return PACED_IDLE;
        ready--;
        return new Uint8Array(SIZE);
      },
      send: sender(sched, log),
    });
    sched.advance(100);
    expect(log).toHaveLength(3);
    const askedWhileIdle = asked;
    sched.advance(100);
    expect(asked).toBe(askedWhileIdle); // no polling while idle
    ready = 2;
    run.wake();
    sched.advance(1);
    expect(log).toHaveLength(5);
    expect(log[4]?.atMs).toBeGreaterThanOrEqual(200);
    run.stop();
    sched.advance(1);
    expect((await run.done).datagrams).toBe(5);
  });

  it('charges sizeOf(item) and hands the item to send only once the pacer allowed it', async () => {
    const { clock, sched } = virtualClock(8);
    const sentAt: number[] = [];
    let n = 0;
    // 8 Mbit/s = 1000 bytes per ms: items of 10,000 bytes go every 10 ms.
    const run = runPaced<{ n: number }>({
      rateBitsPerSec: 8e6,
      clock,
      next: () => (n < 5 ? { n: n++ } : undefined),
      sizeOf: () => 10_000,
      send: (item, done) => {
        sentAt.push(sched.now());
        expect(item.n).toBe(sentAt.length - 1);
        done();
      },
    });
    sched.advance(100);
    const r = await run.done;
    expect(r.bytes).toBe(50_000);
    expect(sentAt).toHaveLength(5);
    // Four gaps of 10 ms (late timers are paid back at most 10% faster).
    expect((sentAt[4] as number) - (sentAt[0] as number)).toBeGreaterThanOrEqual(36);
  });

  it('ends with the error when next() throws', async () => {
    const { clock, sched } = virtualClock(9);
    let n = 0;
    const run = runPaced({
      rateBitsPerSec: 1e9,
      clock,
      next: () => {
        if (++n === 4) throw new Error('source broke');
        return new Uint8Array(SIZE);
      },
      send: (_b, done) => done(),
    });
    sched.advance(10);
    await expect(run.done).rejects.toThrow('source broke');
  });
});
