// `nx run repair:sim -- --peer ...`: one session of N receivers in which the last one is a lossy,
// slow or rogue peer, beside the same session's clean receivers alone, and how much later the clean
// ones finish (issues 21.6 and 22.4; libs/repair/src/sim/fairness.spec.ts holds the checks).
import type { SlowPolicy } from '../engine/rate-control';
import { simulate, type SimOptions, type SimReceiverSpec } from './simulate';

export type PeerKind = 'loss' | 'slow' | 'rogue' | 'rogue-lie';

export function parsePolicy(v: string): SlowPolicy {
  if (v === 'same-speed' || v === 'tiers') return { kind: v };
  const m = /^disconnect:(\d+)$/.exec(v);
  if (m) return { kind: 'disconnect', kbps: Number(m[1]) };
  throw new Error(`--policy must be same-speed, tiers or disconnect:KBPS, got ${v}`);
}

/** The peer: `loss:P` (random loss P), `slow:F` (downlink at F x the link), `rogue` or `rogue-lie`. */
export function parsePeer(v: string, linkBytesPerSec: number): SimReceiverSpec {
  const [kind, arg] = v.split(':');
  const x = Number(arg);
  if (kind === 'loss' && x >= 0 && x < 1) return { loss: x };
  if (kind === 'slow' && x > 0 && x <= 1) return { downBytesPerSec: x * linkBytesPerSec };
  if (kind === 'rogue') return { rogue: { nackEveryMs: 20 } };
  if (kind === 'rogue-lie') return { rogue: { nackEveryMs: 20, lossPpm: 900_000, rateBytesPerSec: 1 } };
  throw new Error(`--peer must be loss:P, slow:FRACTION, rogue or rogue-lie, got ${v}`);
}

/** Runs the clean receivers alone, then with the peer; prints one line per receiver and a JSON line. */
export function fairnessReport(base: Omit<SimOptions, 'receivers' | 'special'>, receivers: number, peer: SimReceiverSpec, peerName: string): boolean {
  const clean = Math.max(1, receivers - 1);
  const alone = simulate({ ...base, receivers: clean });
  const soloMs = Math.max(...alone.results.map((r) => r.completedAtMs ?? Infinity));
  const r = simulate({ ...base, receivers: clean + 1, special: { [clean]: peer } });
  console.log(`${clean} clean receiver(s) alone: ${soloMs.toFixed(1)} ms; with a peer (${peerName}):`);
  for (const x of r.results) {
    const at = x.completedAtMs;
    const what = x.index === clean ? 'peer ' : 'clean';
    const kicked = x.kicked ? `, ${x.kicked} at ${x.kickedAtMs?.toFixed(0)} ms` : '';
    console.log(`  ${what} ${x.index}: ${at === undefined ? 'not complete' : `${at.toFixed(1)} ms = ${(at / soloMs).toFixed(2)} x alone`}${kicked}`);
  }
  console.log(`  session ${r.finished ? `finished at ${r.completionMs.toFixed(1)} ms` : `still open at ${r.completionMs.toFixed(0)} ms`}, lowest rate ${(r.minRateBytesPerSec * 8e-6).toFixed(1)} Mbit/s`);
  const cleanRatios = r.results.filter((x) => x.index !== clean).map((x) => (x.completedAtMs ?? Infinity) / soloMs);
  console.log(JSON.stringify({ bench: 'repair-sim-fairness', seed: base.seed, peer: peerName, soloMs, cleanRatios, finished: r.finished, completionMs: r.completionMs, peerKicked: r.results[clean]?.kicked ?? null, peerKickedAtMs: r.results[clean]?.kickedAtMs ?? null }));
  return r.finished && cleanRatios.every((x) => Number.isFinite(x));
}
