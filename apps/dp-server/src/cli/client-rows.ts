// `client list` as an operator reads it: one row per machine and attempt, newest first, with the
// machine's identity (name, MAC, IP) and when the attempt started, how long it took and how it ended.
import { formatDuration } from './human';

/** A client record as GET /api/v1/clients returns it (state/types.ts ClientRecord); old DPs lack the newer fields. */
export type ClientJson = Record<string, unknown>;

export const CLIENT_COLUMNS = ['machine', 'mac', 'ip', 'image', 'state', 'progress', 'started', 'duration', 'result', 'session', 'message'] as const;

type ClientRow = Record<(typeof CLIENT_COLUMNS)[number], string | undefined>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const timeOf = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};
/** An attempt's start; records from before `startedAt` was kept started when first seen. */
const startOf = (c: ClientJson): number | undefined => timeOf(c['startedAt']) ?? timeOf(c['firstSeen']);

/** Newest attempt first; a record without any time goes last (ties by id, newest first). */
export function newestFirst(clients: readonly ClientJson[]): ClientJson[] {
  return [...clients].sort((a, b) => (startOf(b) ?? -Infinity) - (startOf(a) ?? -Infinity) || Number(b['id'] ?? 0) - Number(a['id'] ?? 0));
}

/**
 * `2026-12-06 07:31:05` in `timeZone` (default: the local zone of the one reading it). The zone is
 * a parameter because a test cannot change the process's own.
 */
export function localTime(ms: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const p = (type: Intl.DateTimeFormatPartTypes): string => parts.find((x) => x.type === type)?.value ?? '??';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

/** The table's cells. An attempt still running shows the time since its start, marked "so far". */
export function clientRow(c: ClientJson, nowMs: number, timeZone?: string): ClientRow {
  const start = startOf(c);
  const end = timeOf(c['endedAt']);
  const macs = Array.isArray(c['macs']) ? c['macs'].filter((m): m is string => typeof m === 'string') : [];
  const more = macs.length > 1 ? ` +${macs.length - 1}` : '';
  let duration: string | undefined;
  if (start !== undefined) duration = end !== undefined ? formatDuration(Math.max(0, end - start)) : `${formatDuration(Math.max(0, nowMs - start))} so far`;
  return {
    machine: text(c['machine']) ?? text(c['hostname']),
    mac: macs[0] !== undefined ? `${macs[0]}${more}` : undefined,
    ip: text(c['ip']),
    image: text(c['image']),
    state: text(c['state']),
    progress: `${Math.floor(Number(c['progress'] ?? 0) * 100)}%`,
    started: start !== undefined ? localTime(start, timeZone) : undefined,
    duration,
    result: text(c['result']),
    session: c['sessionId'] === undefined ? undefined : String(c['sessionId']),
    message: text(c['message']),
  };
}
