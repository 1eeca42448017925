// Turns progress snapshots into output: a progress bar redrawn in place on a terminal, or one JSON
// line per second otherwise. Sans-timer: the deploy loop calls `tick(nowMs)`; the reporter decides
// whether anything is due, so tests drive it with a plain number.
import { formatError, formatJsonLine, formatProgressBar } from './format';
import { printable } from './printable';
import { RateMeter, type ProgressSnapshot, type Rates } from './progress';
import type { OutputMode } from '../options';
import type { AgentError, ExitCode } from '../errors';

export interface OutputSink {
  /** Progress (stdout). */
  out(text: string): void;
  /** Errors and notes (stderr). */
  err(text: string): void;
  /** Terminal width; undefined when not a terminal. */
  readonly columns?: number;
}

export interface ReporterOptions {
  readonly mode: OutputMode;
  /** JSON line period, ms. @default 1000 */
  readonly jsonPeriodMs?: number;
  /** Progress bar redraw period, ms. @default 250 */
  readonly barPeriodMs?: number;
  /** CPU seconds used so far (process.cpuUsage): JSON lines then carry `cpuSeconds`. */
  readonly cpuSeconds?: () => number;
}

export class Reporter {
  private snapshot: ProgressSnapshot | undefined;
  private readonly meter = new RateMeter();
  private lastEmitMs = -Infinity;
  private barDrawn = false;
  private readonly periodMs: number;

  constructor(
    private readonly sink: OutputSink,
    private readonly opts: ReporterOptions,
  ) {
    this.periodMs = opts.mode === 'json' ? (opts.jsonPeriodMs ?? 1000) : (opts.barPeriodMs ?? 250);
  }

  update(s: ProgressSnapshot, nowMs: number): void {
    // The message may quote the DP or a kick's detail: never print escape sequences from there.
    this.snapshot = s.message === undefined ? s : { ...s, message: printable(s.message) };
    this.meter.sample(nowMs, s.bytesDone);
  }

  rates(): Rates {
    const r = this.meter.rates(this.snapshot?.totalBytes ?? 0);
    // An empty image (or one of only zero chunks) is complete without a byte transferred.
    return this.snapshot?.state === 'done' ? { ...r, percent: 100, etaSeconds: 0 } : r;
  }

  /** Emits a line or redraws the bar if its period has passed. */
  tick(nowMs: number): void {
    if (!this.snapshot || nowMs - this.lastEmitMs < this.periodMs) return;
    this.emit(nowMs);
  }

  /** Emits now regardless of the period (final state, state change worth a line). */
  flush(nowMs: number): void {
    if (this.snapshot) this.emit(nowMs);
    this.endBar();
  }

  /** A note for the technician (interface chosen, fallback reason), on stderr. */
  note(text: string): void {
    this.endBar();
    this.sink.err(`castpoint-agent: ${printable(text)}\n`);
  }

  error(err: AgentError, exit: ExitCode): void {
    this.endBar();
    this.sink.err(`${formatError(err, exit)}\n`);
  }

  private emit(nowMs: number): void {
    const s = this.snapshot;
    if (!s) return;
    this.lastEmitMs = nowMs;
    const r = this.rates();
    if (this.opts.mode === 'json') {
      this.sink.out(`${formatJsonLine(s, r, nowMs, this.opts.cpuSeconds?.())}\n`);
    } else {
      this.sink.out(`\r${formatProgressBar(s, r, this.sink.columns ?? 80)}\x1b[K`);
      this.barDrawn = true;
    }
  }

  private endBar(): void {
    if (this.barDrawn) this.sink.out('\n');
    this.barDrawn = false;
  }
}
