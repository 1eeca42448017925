import { runPaced, type PacedClock } from './paced-run';
import { SeededRandom } from './prng';
import { VirtualScheduler } from './scheduler';

const SIZE = 1400;

/** A PacedClock on a VirtualScheduler whose timers fire 1 ms at the soonest and up to 0.5 ms late (0: next turn). */
function virtualClock(seed: number): { clock: PacedClock; sched: VirtualScheduler } {
  const sched = new VirtualScheduler();
  const rng = new SeededRandom(seed);
  const clock: PacedClock = {
    nowNs: () => Math.round(sched.now() * 1e6),
    sleep: (ns, wake) => {
      let cancelled = false;
      sched.schedule(() => {
        if (!cancelled) wake();
      }, ns <= 0 ? 0 : Math.max(1, Math.floor(ns / 1e6)) + rng.next() * 0.5);
      return () => {
        cancelled = true;
      };
    },
  };
  return { clock, sched };
}

/** A send whose completion comes 0.05 ms later, like a socket's callback. */
function sender(sched: VirtualScheduler, log: Array<{ atMs: number; bytes: number }>) {
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
    const run = runPaced({ rateBps: 1e9, clock, next: () => (n++ < total ? new Uint8Array(SIZE) : undefined), send: sender(sched, log) });
    sched.advance(2000);
    const r = await run.done;
    expect(r.datagrams).toBe(total);
    expect(r.bytes).toBe(total * SIZE);
    expect(r.achievedBps / 1e9).toBeGreaterThan(0.99);
    expect(r.achievedBps / 1e9).toBeLessThan(1.01);
  });

  it('applies setRate at once, cutting short a sleep computed for the old rate', async () => {
    const { clock, sched } = virtualClock(2);
    const log: Array<{ atMs: number; bytes: number }> = [];
    const run = runPaced({ rateBps: 1e6, clock, next: () => new Uint8Array(SIZE), send: sender(sched, log) });
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
      rateBps: 1e9,
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
    const run = runPaced({ rateBps: 100e6, maxInFlight: 1, clock, next: () => (n++ < 1000 ? new Uint8Array(SIZE) : undefined), send: (_b, done) => done() });
    sched.advance(1000);
    expect((await run.done).datagrams).toBe(1000);
  });

  it('stops at once when a synchronous send fails', async () => {
    const { clock, sched } = virtualClock(6);
    let sent = 0;
    const run = runPaced({ rateBps: 1e9, clock, next: () => new Uint8Array(SIZE), send: (_b, done) => done(++sent === 3 ? new Error('sync boom') : undefined) });
    sched.advance(20);
    await expect(run.done).rejects.toThrow('sync boom');
    expect(sent).toBe(3);
  });

  it('rejects done with the first send error and stops sending', async () => {
    const { clock, sched } = virtualClock(5);
    let sent = 0;
    const run = runPaced({
      rateBps: 100e6,
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
});
