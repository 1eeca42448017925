// Pure renderers of the agent's output: the terminal progress bar, the JSON line, the error line.
import type { ProgressSnapshot, Rates } from './progress';
import type { AgentError, ExitCode } from '../errors';
import { printable } from './printable';
import { verdictOf } from './advice';

/** One JSON line: what log collectors and WinPE consoles get once per second. */
export interface ProgressLine {
  readonly time: string;
  readonly state: ProgressSnapshot['state'];
  readonly percent: number;
  /** Bytes per second (the JSON field keeps its published name; docs/agent.md gives the unit). */
  readonly rateBps: number;
  readonly etaSeconds: number | null;
  readonly repairedSymbols: number;
  readonly chunksDone: number;
  readonly totalChunks: number;
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly badPackets: number;
  readonly message?: string;
  /** CPU seconds (user + system) the agent process has used so far, when the caller measures it. */
  readonly cpuSeconds?: number;
  /** The multicast session joined, once there is one. */
  readonly sessionId?: number;
  /** While waiting: when the scheduled session starts (ISO 8601) and how many clients wait for how many. */
  readonly startsAt?: string;
  readonly clientsWaiting?: number;
  readonly minClients?: number;
  /** On the last line (done, failed): "verified: safe to reboot" or the failure's, with what to do and the exit code. */
  readonly verdict?: string;
  readonly advice?: string;
  readonly exitCode?: number;
}

export function progressLine(s: ProgressSnapshot, r: Rates, nowMs: number, cpuSeconds?: number): ProgressLine {
  return {
    time: new Date(nowMs).toISOString(),
    state: s.state,
    percent: r.percent,
    rateBps: r.bytesPerSec,
    etaSeconds: r.etaSeconds,
    repairedSymbols: s.repairedSymbols,
    chunksDone: s.chunksDone,
    totalChunks: s.totalChunks,
    bytesDone: s.bytesDone,
    totalBytes: s.totalBytes,
    badPackets: s.badPackets,
    ...(s.message === undefined ? {} : { message: s.message }),
    ...(cpuSeconds === undefined ? {} : { cpuSeconds: Math.round(cpuSeconds * 100) / 100 }),
    ...(s.sessionId === undefined ? {} : { sessionId: s.sessionId }),
    ...(s.state === 'waiting' ? waitFields(s) : {}),
    ...(s.state === 'done' || s.state === 'failed' ? { ...verdictOf(s.state, s.exit), exitCode: s.state === 'done' ? 0 : (s.exit ?? 1) } : {}),
  };
}

function waitFields(s: ProgressSnapshot): Pick<ProgressLine, 'startsAt' | 'clientsWaiting' | 'minClients'> {
  const w = s.wait;
  return {
    ...(w?.startsAtMs === undefined ? {} : { startsAt: new Date(w.startsAtMs).toISOString() }),
    ...(w?.clientsWaiting === undefined ? {} : { clientsWaiting: w.clientsWaiting }),
    ...(w?.minClients === undefined ? {} : { minClients: w.minClients }),
  };
}

export function formatJsonLine(s: ProgressSnapshot, r: Rates, nowMs: number, cpuSeconds?: number): string {
  return JSON.stringify(progressLine(s, r, nowMs, cpuSeconds));
}

/**
 * `[#########---------]  47.5%  112.4 MB/s  ETA 0:42  repaired 310  receiving`, cut to `columns`.
 * The bar shrinks first so the figures stay readable on an 80-column WinPE console.
 */
export function formatProgressBar(s: ProgressSnapshot, r: Rates, columnsIn = 80): string {
  // A pseudo-terminal without a size reports 0 columns: draw for 80 rather than nothing.
  const columns = columnsIn >= 20 ? columnsIn : 80;
  const figures =
    `${r.percent.toFixed(1).padStart(5)}%  ${formatRate(r.bytesPerSec).padStart(10)}  ETA ${formatEta(r.etaSeconds)}` +
    `  repaired ${s.repairedSymbols}  ${s.state}`;
  // The bar keeps 20 to 40 columns, 12 when a note (why unicast) needs the room. A note cut to a
  // few letters ("(The DP se…)") says nothing: under 16 columns it is left out (it was printed
  // as a line of its own when it came).
  const wide = Math.max(20, Math.min(40, columns - figures.length - 5));
  const roomWith = (bar: number): number => columns - 1 - (bar + 4 + figures.length);
  const withNote = s.message !== undefined && s.message !== '' && roomWith(12) >= MIN_NOTE;
  const barWidth = withNote ? 12 : wide;
  const room = roomWith(barWidth);
  const note = withNote && s.message ? ` (${s.message.length + 3 > room ? `${s.message.slice(0, room - 4)}…` : s.message})` : '';
  const filled = Math.min(barWidth, Math.floor((r.percent / 100) * barWidth));
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const line = `${bar}  ${figures}${note}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/** Columns a note needs to be worth showing beside the bar. */
const MIN_NOTE = 16;

export function formatRate(bytesPerSec: number): string {
  if (bytesPerSec >= 1e9) return `${(bytesPerSec / 1e9).toFixed(2)} GB/s`;
  if (bytesPerSec >= 1e6) return `${(bytesPerSec / 1e6).toFixed(1)} MB/s`;
  if (bytesPerSec >= 1e3) return `${(bytesPerSec / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(bytesPerSec)} B/s`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return '--:--';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** The error line: one plain sentence plus the exit code and the error code, nothing else. */
export function formatError(err: AgentError, exit: ExitCode): string {
  const sentence = oneSentence(err.message);
  return `castpoint-agent: ${sentence} (exit ${exit}, ${err.code})`;
}

function oneSentence(message: string): string {
  const flat = printable(message).replace(/\s+/g, ' ').trim();
  const s = flat === '' ? 'failed' : flat;
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
