// Every engine timer is a multiple of the group round-trip time (GRTT), clamped by a floor (so a
// LAN's sub-millisecond RTT does not make timers fire in a busy loop) and a cap (so one slow
// receiver's huge RTT does not stall the session). docs/repair.md lists them in one table.

/** GRTT bounds and the value used before any probe answered. */
export const GRTT_INITIAL_MS = 10;
export const GRTT_MIN_MS = 1;
export const GRTT_MAX_MS = 2000;

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The timer table: multiple of GRTT, floor and cap, all in ms. */
export const TIMERS = {
  /** Sender: announce (repairs, cursor, grtt, rate) period. */
  announce: { grtt: 1, floorMs: 20, capMs: 500 },
  /** Sender: probe period (an announce with a probe id and a few targets). */
  probe: { grtt: 4, floorMs: 100, capMs: 2000 },
  /** Sender: rate controller update period. */
  rate: { grtt: 2, floorMs: 200, capMs: 2000 },
  /** Receiver: NACK backoff window (random, exponential-like, inside [0, window]). */
  nackBackoff: { grtt: 10, floorMs: 2, capMs: 1000 },
  /** Receiver: wait before re-NACKing a block still incomplete after its last NACK. */
  nackRepeat: { grtt: 4, floorMs: 20, capMs: 4000 },
  /** Sender: repairs sent this recently are "in flight" and discount a NACK for the same block. */
  inFlight: { grtt: 1, floorMs: 1, capMs: 2000 },
} as const;

export type TimerName = keyof typeof TIMERS;

/** Milliseconds of timer `name` for group round-trip time `grttMs`. */
export function timerMs(name: TimerName, grttMs: number): number {
  const t = TIMERS[name];
  return clamp(t.grtt * grttMs, t.floorMs, t.capMs);
}
