import type { Rng } from '../rng';

/** Decides, packet by packet, whether a link drops it. */
export type LossModel = () => boolean;

/** Independent (Bernoulli) loss with probability p. */
export function independentLoss(p: number, rng: Rng): LossModel {
  return () => p > 0 && rng() < p;
}

/**
 * Gilbert-Elliott bursty loss: a good state that loses nothing and a bad state that loses every
 * packet, with a mean burst of `burst` packets and a long-run loss rate of p.
 */
export function gilbertElliottLoss(p: number, burst: number, rng: Rng): LossModel {
  if (p <= 0) return () => false;
  const toGood = 1 / Math.max(1, burst);
  const toBad = (p * toGood) / (1 - p);
  let bad = false;
  return () => {
    bad = bad ? rng() >= toGood : rng() < toBad;
    return bad;
  };
}
