import { FramePool } from './frame-pool';

describe('FramePool', () => {
  it('hands a given-back frame out again instead of making a new one', () => {
    const pool = new FramePool(1450);
    const a = pool.take();
    const b = pool.take();
    expect(a).not.toBe(b);
    expect(a.length).toBe(1450);
    pool.give(a);
    expect(pool.take()).toBe(a);
    expect(pool.allocated).toBe(2);
  });

  it('never hands out one frame twice while it is taken', () => {
    const pool = new FramePool(64);
    const taken = new Set(Array.from({ length: 100 }, () => pool.take()));
    expect(taken.size).toBe(100);
  });

  it('keeps at most `keep` idle frames, and refuses frames of another size', () => {
    const pool = new FramePool(64, 2);
    const frames = [pool.take(), pool.take(), pool.take()];
    for (const f of frames) pool.give(f);
    pool.give(new Uint8Array(32));
    expect([pool.take(), pool.take()].every((f) => frames.includes(f))).toBe(true);
    expect(frames).not.toContain(pool.take());
    expect(pool.allocated).toBe(4);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new FramePool(0)).toThrow(RangeError);
    expect(() => new FramePool(1.5)).toThrow(RangeError);
  });
});
