// A new session's record, as the session manager stores it: where it sends, its key, its mode and
// rate (a slower tier halves the rate), and its schedule when it waits for a start. The record is
// the session's stored (and API) form: its times are ISO strings, written here from the ms the
// live session holds, and read back once (sessionTimes) when a restarted DP loads the state.
import type { ImageRecord, SessionRecord } from '../state/types';
import type { ScheduledTimes } from './schedule';

export interface NewSession {
  readonly id: number;
  readonly img: ImageRecord;
  readonly group: { readonly group: string; readonly port: number };
  /** The DP's multicast interface address: agents send their control packets there. */
  readonly senderAddress: string;
  /** Session key, base64. */
  readonly key: string;
  readonly tier: number;
  readonly maxRateBps: number;
  readonly nowMs: number;
  /** scheduleFor()'s times for a scheduled session, {} otherwise. */
  readonly schedule: ScheduledTimes;
}

export function newSessionRecord(n: NewSession): SessionRecord {
  const { img, schedule } = n;
  return {
    id: n.id,
    image: img.name,
    manifestHash: img.manifestHash,
    group: n.group.group,
    port: n.group.port,
    senderAddress: n.senderAddress,
    senderPort: n.group.port,
    key: n.key,
    encrypted: img.settings.encrypt,
    mode: img.settings.mode,
    tier: n.tier,
    // Each slower tier sends at half the rate of the one above.
    rateBps: Math.max(1000, Math.floor(n.maxRateBps / 2 ** n.tier)),
    state: img.settings.mode === 'scheduled' ? 'waiting' : 'running',
    createdAt: isoTime(n.nowMs),
    ...(schedule.startsAtMs !== undefined ? { startsAt: isoTime(schedule.startsAtMs) } : {}),
    ...(schedule.deadlineMs !== undefined ? { deadline: isoTime(schedule.deadlineMs) } : {}),
    ...(schedule.minClients !== undefined ? { minClients: schedule.minClients } : {}),
    receivers: [],
    waiting: [],
    bytesSent: 0,
    packetsSent: 0,
  };
}

/** The times of a live session, ms since the epoch. */
export interface SessionTimes extends ScheduledTimes {
  readonly startedAtMs?: number;
}

/** A stored record's times as ms (a session carried over a DP restart). */
export function sessionTimes(r: SessionRecord): SessionTimes {
  const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
  const startsAtMs = ms(r.startsAt);
  const deadlineMs = ms(r.deadline);
  const startedAtMs = ms(r.startedAt);
  return {
    ...(startsAtMs !== undefined ? { startsAtMs } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(r.minClients !== undefined ? { minClients: r.minClients } : {}),
    ...(startedAtMs !== undefined ? { startedAtMs } : {}),
  };
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
