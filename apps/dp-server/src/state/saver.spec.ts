import { StateSaver, type SaveHealth } from './saver';

describe('StateSaver', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setup = (fail: { on: boolean }) => {
    const writes: number[] = [];
    const changes: SaveHealth[] = [];
    const saver = new StateSaver({
      write: async () => {
        writes.push(Date.now());
        if (fail.on) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
      now: () => Date.parse('2026-12-01T00:00:00Z'),
      intervalMs: 200,
      retryMs: 5000,
      onHealthChange: (h) => changes.push(h),
    });
    return { saver, writes, changes };
  };

  it('coalesces many changes into one write within the interval', async () => {
    const { saver, writes } = setup({ on: false });
    for (let i = 0; i < 1000; i++) saver.request();
    await jest.advanceTimersByTimeAsync(199);
    expect(writes).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(writes).toHaveLength(1);
    saver.close();
  });

  it('a change during a write is written after it', async () => {
    let release: () => void = () => undefined;
    const writes: number[] = [];
    const saver = new StateSaver({ write: () => new Promise<void>((r) => { writes.push(1); release = r; }), now: Date.now, intervalMs: 200 });
    saver.request();
    await jest.advanceTimersByTimeAsync(200);
    expect(writes).toHaveLength(1);
    saver.request();
    await jest.advanceTimersByTimeAsync(1000);
    expect(writes).toHaveLength(1); // one write at a time
    release();
    await jest.advanceTimersByTimeAsync(200);
    expect(writes).toHaveLength(2);
    release();
    expect(await saver.flush()).toBe(true);
    saver.close();
  });

  it('keeps failing writes as a condition, retries every retryMs, and clears it on success', async () => {
    const fail = { on: true };
    const { saver, writes, changes } = setup(fail);
    saver.request();
    await jest.advanceTimersByTimeAsync(200);
    expect(saver.health).toMatchObject({ ok: false, code: 'ENOSPC', since: '2026-12-01T00:00:00.000Z', failures: 1 });
    expect(changes).toHaveLength(1);
    // Changes while failing do not hammer the disk: the next attempt is the retry.
    for (let i = 0; i < 50; i++) saver.request();
    await jest.advanceTimersByTimeAsync(4999);
    expect(writes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(2);
    expect(saver.health.failures).toBe(2);
    fail.on = false;
    await jest.advanceTimersByTimeAsync(5000);
    expect(writes).toHaveLength(3);
    expect(saver.health).toEqual({ ok: true, failures: 0, failuresTotal: 2 });
    expect(changes.map((c) => c.ok)).toEqual([false, true]);
    saver.close();
  });
});
