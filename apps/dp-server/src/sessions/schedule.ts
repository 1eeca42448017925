// When a scheduled session starts: once enough clients wait, or at its start time, and never later
// than max-wait after the first request. Pure: the manager calls it with the clock's time.
import type { ImageSettings, SessionRecord } from '../state/types';

export type StartReason = 'immediate' | 'min-clients' | 'start-time' | 'max-wait' | 'admin';

export interface ScheduledTimes {
  readonly startsAt?: string;
  readonly deadline?: string;
  readonly minClients?: number;
}

/** Start time and deadline of a scheduled session created at `nowMs`. */
export function scheduleFor(settings: ImageSettings, nowMs: number): ScheduledTimes {
  const startsAt =
    settings.startAt !== undefined
      ? new Date(Date.parse(settings.startAt)).toISOString()
      : settings.startDelaySec !== undefined
        ? new Date(nowMs + settings.startDelaySec * 1000).toISOString()
        : undefined;
  const deadline = settings.maxWaitSec !== undefined ? new Date(nowMs + settings.maxWaitSec * 1000).toISOString() : undefined;
  return {
    ...(startsAt !== undefined ? { startsAt } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
    ...(settings.minClients !== undefined ? { minClients: settings.minClients } : {}),
  };
}

/** Why a waiting session should start now, or undefined to keep waiting. */
export function startReason(s: Pick<SessionRecord, 'startsAt' | 'deadline' | 'minClients' | 'waiting'>, nowMs: number): StartReason | undefined {
  if (s.minClients !== undefined && s.waiting.length >= s.minClients) return 'min-clients';
  if (s.startsAt !== undefined && nowMs >= Date.parse(s.startsAt)) return 'start-time';
  if (s.deadline !== undefined && nowMs >= Date.parse(s.deadline)) return 'max-wait';
  // Nothing to wait for at all (scheduled without a condition): start at once.
  if (s.minClients === undefined && s.startsAt === undefined && s.deadline === undefined) return 'immediate';
  return undefined;
}

/** How long an agent should wait before asking again. */
export function retryAfterMs(s: Pick<SessionRecord, 'startsAt' | 'deadline'>, nowMs: number): number {
  const times = [s.startsAt, s.deadline].filter((t): t is string => t !== undefined).map((t) => Date.parse(t) - nowMs);
  const soonest = times.length > 0 ? Math.min(...times) : Infinity;
  return Math.max(250, Math.min(2000, soonest));
}
