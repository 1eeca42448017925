// The last words on the technician's screen: whether the machine may be rebooted into its new
// image, and when it may not, what went wrong and what to do about it. Only the facts a technician
// acts on: how the chunks were written (direct I/O or page cache) goes to --json and --verbose.
import type { AgentError, ExitCode } from '../errors';
import { EXIT_ADVICE, NOT_SAFE, VERIFIED } from './advice';
import { formatEta, formatRate } from './format';
import { clockTime, fitLine, formatBytes, wrap, type ClockStyle } from './screen';

export interface RunFacts {
  readonly image: string;
  readonly target: string;
  readonly totalBytes: number;
  /** Bytes this run wrote (a resumed run wrote fewer than the image holds). */
  readonly bytesThisRun: number;
  readonly startedMs: number;
  readonly endedMs: number;
}

/** The success verdict: what is where and when, each line within the console's width. */
export function formatSuccess(f: RunFacts, style: ClockStyle = {}, columns?: number): string[] {
  const secs = Math.max(0, Math.round((f.endedMs - f.startedMs) / 1000));
  const rate = secs > 0 ? `, ${formatRate(f.bytesThisRun / secs)}` : '';
  return [
    fitLine(VERIFIED, columns),
    ...wrap(`${f.image} (${formatBytes(f.totalBytes)}) is on ${f.target}.`, '  ', columns),
    fitLine(`  Finished ${clockTime(f.endedMs, f.endedMs, style)}, took ${formatEta(secs)}${rate}.`, columns),
  ];
}

/** The failure verdict: the error, what to do, when; wrapped within the console's width. */
export function formatFailure(err: AgentError, exit: ExitCode, f: Pick<RunFacts, 'startedMs' | 'endedMs'>, style: ClockStyle = {}, columns?: number): string[] {
  const secs = Math.max(0, Math.round((f.endedMs - f.startedMs) / 1000));
  const said = err.message.trim().replace(/[.]$/, '');
  return [
    fitLine(`${NOT_SAFE} (exit ${exit}, ${err.code})`, columns),
    ...wrap(`${said}.`, '  ', columns),
    ...wrap(`What to do: ${EXIT_ADVICE[exit]}`, '  ', columns),
    fitLine(`  Stopped ${clockTime(f.endedMs, f.endedMs, style)} after ${formatEta(secs)}.`, columns),
  ];
}
