// Which receivers an announce asks to echo its probe (the RTT samples GRTT is built from).
import type { Rng } from '../rng';
import type { ReceiverInfo } from './sender-types';

const PROBE_TARGETS = 4;
/** Receivers asked at once in the first probe after the pass (their RTTs from the pass are stale). */
const PROBE_TARGETS_AFTER_PASS = 32;

/**
 * A few receivers per probe keep echo traffic constant in N: the current worst RTT (it sets
 * GRTT), receivers never measured, then a rotating pick so every RTT is refreshed over time.
 * `staleSince` (the first probe after the pass): ask every receiver whose RTT predates it first.
 */
export function pickProbeTargets(active: readonly ReceiverInfo[], staleSince: number | undefined, rng: Rng): number[] {
  if (active.length === 0) return [];
  if (staleSince !== undefined) {
    const stale = active.filter((r) => (r.rttAtMs ?? -Infinity) < staleSince).slice(0, PROBE_TARGETS_AFTER_PASS);
    if (stale.length > 0) return stale.map((r) => r.receiverId);
  }
  const targets = new Set<number>();
  let worst: ReceiverInfo | undefined;
  for (const r of active) if (r.rttMs !== undefined && (!worst || r.rttMs > (worst.rttMs ?? 0))) worst = r;
  if (worst) targets.add(worst.receiverId);
  for (const r of active) {
    if (targets.size >= PROBE_TARGETS - 1) break;
    if (r.rttMs === undefined) targets.add(r.receiverId);
  }
  for (let tries = 0; targets.size < Math.min(PROBE_TARGETS, active.length) && tries < 2 * PROBE_TARGETS; tries++) {
    const pick = active[Math.floor(rng() * active.length)] as ReceiverInfo;
    targets.add(pick.receiverId);
  }
  return [...targets];
}
