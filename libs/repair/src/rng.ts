/** A seeded source of uniform numbers in [0, 1). Engines take one so runs replay exactly. */
export type Rng = () => number;

/**
 * mulberry32: small, fast and good enough for backoff timers and simulated loss. Not for keys.
 * The state lives in the returned closure, never at module level.
 */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
