// The technician's screen on an 80-column PXE/WinPE console: the header (image, DP, target, session),
// the status line redrawn in place, and the final verdict. Pure renderers: times come in as numbers
// and are shown on the local clock (or UTC when asked, for tests and logs compared across sites).
import { formatEta, formatProgressBar } from './format';
import { printable } from './printable';
import type { ProgressSnapshot, Rates, WaitInfo } from './progress';

/** A console line longer than this wraps (an 80-column console wraps at the 80th character). */
export const SCREEN_COLUMNS = 80;

export interface ClockStyle {
  /** Show times in UTC instead of the machine's local time. @default false */
  readonly utc?: boolean;
}

/** `14:05:09` on the local clock; with the date (`2026-12-07 14:05`) when not the day of `nowMs`. */
export function clockTime(ms: number, nowMs: number, style: ClockStyle = {}): string {
  const d = new Date(ms);
  const n = new Date(nowMs);
  const [y, mo, day, h, mi, s] = style.utc
    ? [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const sameDay = style.utc
    ? n.getUTCFullYear() === y && n.getUTCMonth() === mo && n.getUTCDate() === day
    : n.getFullYear() === y && n.getMonth() === mo && n.getDate() === day;
  const p = (v: number): string => String(v).padStart(2, '0');
  return sameDay ? `${p(h)}:${p(mi)}:${p(s)}` : `${y}-${p(mo + 1)}-${p(day)} ${p(h)}:${p(mi)}`;
}

/** `3.0 GiB`, `512 KiB`, `17 B`: sizes as a technician reads them. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The text cut to fit `columns - 1` characters (the last column would wrap on some consoles). */
export function fitLine(text: string, columns = SCREEN_COLUMNS): string {
  const room = Math.max(10, columns - 1);
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

/** Words wrapped into lines of at most `columns - 1` characters, each after `indent`. */
export function wrap(text: string, indent: string, columns = SCREEN_COLUMNS): string[] {
  const room = Math.max(20, columns - 1 - indent.length);
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/\s+/).filter(Boolean)) {
    // A word longer than the line (a path, a URL) is cut into pieces rather than overflow.
    for (let w = word; w.length > 0; w = w.slice(room)) {
      const piece = w.slice(0, room);
      if (line === '') line = piece;
      else if (line.length + 1 + piece.length <= room) line += ` ${piece}`;
      else {
        lines.push(indent + line);
        line = piece;
      }
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

export interface RunHeader {
  readonly image: string;
  readonly server: string;
  readonly target: string;
  readonly version?: string;
}

/** The lines printed once at the start. */
export function formatHeader(h: RunHeader, nowMs: number, style: ClockStyle = {}, columns = SCREEN_COLUMNS): string[] {
  const title = `castpoint-agent${h.version ? ` ${h.version}` : ''}: deploying image ${h.image}, started ${clockTime(nowMs, nowMs, style)}`;
  return [title, `  DP      ${h.server}`, `  target  ${h.target}`].map((l) => fitLine(printable(l), columns));
}

/** `waiting: starts 14:05:00 (in 3:12), 2 of 5 clients; scheduled session has not started yet` */
export function formatWaiting(w: WaitInfo | undefined, message: string | undefined, nowMs: number, style: ClockStyle = {}, columns = SCREEN_COLUMNS): string {
  const parts: string[] = [];
  if (w?.startsAtMs !== undefined) {
    const left = Math.max(0, Math.ceil((w.startsAtMs - nowMs) / 1000));
    parts.push(`starts ${clockTime(w.startsAtMs, nowMs, style)} (in ${formatEta(left)})`);
  }
  if (w?.clientsWaiting !== undefined) {
    parts.push(w.minClients !== undefined ? `${w.clientsWaiting} of ${w.minClients} clients` : `${w.clientsWaiting} client${w.clientsWaiting === 1 ? '' : 's'} waiting`);
  }
  const why = w?.reason ?? message;
  if (parts.length === 0 && w?.nextAskMs !== undefined) parts.push(`asking again at ${clockTime(w.nextAskMs, nowMs, style)}`);
  const head = `waiting: ${parts.join(', ')}`;
  return fitLine(printable(parts.length === 0 ? `waiting: ${why ?? 'the DP has not started a session yet'}` : why ? `${head}; ${why}` : head), columns);
}

/**
 * The line redrawn in place: while waiting or reaching the DP no percent, rate or ETA (there is no
 * transfer to time); else the bar with percent, rate, ETA, repairs and state. Never wider than
 * `columns - 1`.
 */
export function formatStatusLine(s: ProgressSnapshot, r: Rates, nowMs: number, style: ClockStyle = {}, columnsIn = SCREEN_COLUMNS): string {
  // A pseudo-terminal without a size reports 0 columns: draw for 80 rather than nothing.
  const columns = columnsIn >= 20 ? columnsIn : SCREEN_COLUMNS;
  switch (s.state) {
    case 'waiting':
      return formatWaiting(s.wait, s.message, nowMs, style, columns);
    case 'requesting':
      return fitLine(printable(`asking the DP for the image${s.message ? `: ${s.message}` : ''}`), columns);
    case 'reconnecting':
      // "The DP at URL cannot be reached: " is said by the line's start and the header: keep the cause.
      return fitLine(printable(`reconnecting${s.message ? `: ${s.message.replace(/^The DP at \S+ cannot be reached: /, '')}` : ''}`), columns);
    case 'failed':
      // The verdict below says why: here only how far it got.
      return fitLine(s.totalBytes > 0 ? `stopped at ${r.percent.toFixed(1)}% (${formatBytes(s.bytesDone)} of ${formatBytes(s.totalBytes)})` : 'stopped before the transfer began', columns);
    default:
      return formatProgressBar(s, r, columns);
  }
}
