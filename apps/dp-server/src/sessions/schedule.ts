// When a scheduled session starts: once enough clients wait, or at its start time, and never later
// than max-wait after the first request. Pure: the manager calls it with the clock's time. Times
// are ms since the epoch; the session record keeps them as ISO strings for the API and state file.
import type { ImageSettings } from '../state/types';

export type StartReason = 'immediate' | 'min-clients' | 'start-time' | 'max-wait' | 'admin';

export interface ScheduledTimes {
  readonly startsAtMs?: number;
  readonly deadlineMs?: number;
  readonly minClients?: number;
}

/** Start time and deadline of a scheduled session created at `nowMs`. */
export function scheduleFor(settings: ImageSettings, nowMs: number): ScheduledTimes {
  const startsAtMs =
    settings.startAt !== undefined ? Date.parse(settings.startAt) : settings.startDelaySec !== undefined ? nowMs + settings.startDelaySec * 1000 : undefined;
  const deadlineMs = settings.maxWaitSec !== undefined ? nowMs + settings.maxWaitSec * 1000 : undefined;
  return {
    ...(startsAtMs !== undefined ? { startsAtMs } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(settings.minClients !== undefined ? { minClients: settings.minClients } : {}),
  };
}

/** Why a waiting session with `waiting` agents should start now, or undefined to keep waiting. */
export function startReason(s: ScheduledTimes & { readonly waiting: number }, nowMs: number): StartReason | undefined {
  if (s.minClients !== undefined && s.waiting >= s.minClients) return 'min-clients';
  if (s.startsAtMs !== undefined && nowMs >= s.startsAtMs) return 'start-time';
  if (s.deadlineMs !== undefined && nowMs >= s.deadlineMs) return 'max-wait';
  // Nothing to wait for at all (scheduled without a condition): start at once.
  if (s.minClients === undefined && s.startsAtMs === undefined && s.deadlineMs === undefined) return 'immediate';
  return undefined;
}

/** How long an agent should wait before asking again. */
export function retryAfterMs(s: ScheduledTimes, nowMs: number): number {
  const times = [s.startsAtMs, s.deadlineMs].filter((t): t is number => t !== undefined).map((t) => t - nowMs);
  const soonest = times.length > 0 ? Math.min(...times) : Infinity;
  return Math.max(250, Math.min(2000, soonest));
}
