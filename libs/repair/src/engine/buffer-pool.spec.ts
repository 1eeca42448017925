import { BufferPool } from './buffer-pool';

describe('BufferPool', () => {
  it('hands back given buffers by exact size, newest first, and keeps at most keepPerSize', () => {
    const pool = new BufferPool(2);
    const a = pool.take(100);
    const b = pool.take(100);
    const c = pool.take(100);
    expect(a.length).toBe(100);
    for (const x of [a, b, c]) pool.give(x);
    expect(pool.stats()).toEqual({ created: 3, reused: 0, kept: 2 });
    expect(pool.take(100)).toBe(b);
    expect(pool.take(100)).toBe(a);
    expect(pool.take(100)).not.toBe(c); // c was over the limit: a fresh one
    expect(pool.take(50).length).toBe(50);
  });

  it('ignores views: only whole buffers can be reused', () => {
    const pool = new BufferPool();
    const big = new Uint8Array(64);
    pool.give(big.subarray(0, 32));
    pool.give(big.subarray(32));
    expect(pool.stats().kept).toBe(0);
  });

  it('makes new buffers with the given allocator and reuses them like any other', () => {
    const sizes: number[] = [];
    const pool = new BufferPool(4, (size) => {
      sizes.push(size);
      return new Uint8Array(new ArrayBuffer(size));
    });
    const a = pool.take(4096);
    pool.give(a);
    expect(pool.take(4096)).toBe(a);
    pool.take(4096);
    expect(sizes).toEqual([4096, 4096]);
  });

  it('can keep a different number per size (a byte budget)', () => {
    const pool = new BufferPool((size) => Math.floor(1000 / size));
    const small = Array.from({ length: 12 }, () => pool.take(100));
    const big = Array.from({ length: 3 }, () => pool.take(400));
    for (const b of [...small, ...big]) pool.give(b);
    expect(pool.stats().kept).toBe(10 + 2);
  });
});
