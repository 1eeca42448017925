// Turns progress snapshots into output: on a terminal the technician's screen (a header, a status
// line redrawn in place, a verdict), otherwise one JSON line per second. Sans-timer: the deploy
// loop calls `tick(nowMs)`; the reporter decides whether anything is due, so tests drive it with a
// plain number.
import { formatError, formatJsonLine } from './format';
import { fitLine, formatHeader, formatStatusLine, wrap, type RunHeader } from './screen';
import { formatFailure, formatSuccess } from './verdict';
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
  /** Show details (how the chunks were written) on the terminal too. @default false */
  readonly verbose?: boolean;
  /** Times on the screen in UTC rather than the local clock. @default false */
  readonly utc?: boolean;
}

export class Reporter {
  private snapshot: ProgressSnapshot | undefined;
  private readonly meter = new RateMeter();
  private lastEmitMs = -Infinity;
  private barDrawn = false;
  private readonly periodMs: number;
  private run: (RunHeader & { startedMs: number }) | undefined;
  private sessionShown: number | undefined;
  private firstBytes: number | undefined;

  constructor(
    private readonly sink: OutputSink,
    private readonly opts: ReporterOptions,
  ) {
    this.periodMs = opts.mode === 'json' ? (opts.jsonPeriodMs ?? 1000) : (opts.barPeriodMs ?? 250);
  }

  update(s: ProgressSnapshot, nowMs: number): void {
    // The message may quote the DP or a kick's detail: never print escape sequences from there.
    this.snapshot = s.message === undefined ? s : { ...s, message: printable(s.message) };
    // The first size known is what an earlier run had written (0 on a fresh run).
    if (this.firstBytes === undefined && s.totalBytes > 0) this.firstBytes = s.bytesDone;
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

  /** The start of a run: on a terminal the header (image, DP, target, local start time). */
  header(h: RunHeader, nowMs: number): void {
    this.run = { ...h, startedMs: nowMs };
    if (this.opts.mode !== 'tty') return;
    this.endBar();
    this.sink.out(`${formatHeader(h, nowMs, this.style(), this.columns()).join('\n')}\n`);
  }

  /** The session joined: one header line per session (a rejoin of the same one says nothing). */
  session(id: number, text: string): void {
    if (this.opts.mode !== 'tty' || this.sessionShown === id) return;
    this.sessionShown = id;
    this.endBar();
    this.sink.out(`${fitLine(printable(`  session ${id}: ${text}`), this.columns())}\n`);
  }

  /** A fact for logs (how the chunks were written): a note in JSON mode, on a terminal only with verbose. */
  detail(text: string): void {
    if (this.opts.mode === 'json' || this.opts.verbose === true) this.note(text);
  }

  /** The verdict after a verified run: "verified: safe to reboot" and what is where, on a terminal. */
  verified(nowMs: number): void {
    const s = this.snapshot;
    if (this.opts.mode !== 'tty' || !this.run || !s) return;
    this.endBar();
    const facts = { image: this.run.image, target: this.run.target, totalBytes: s.totalBytes, bytesThisRun: this.bytesThisRun(), startedMs: this.run.startedMs, endedMs: nowMs };
    this.sink.out(`${formatSuccess(facts, this.style(), this.columns()).join('\n')}\n`);
  }

  /** A note for the technician (interface chosen, fallback reason), on stderr. */
  note(text: string): void {
    this.endBar();
    const line = `castpoint-agent: ${printable(text)}`;
    // On a console a long note is wrapped at words, continued indented; logs keep one line each.
    const lines = this.opts.mode === 'tty' ? wrap(line, '  ', this.columns()).map((l, i) => (i === 0 ? l.slice(2) : l)) : [line];
    this.sink.err(`${lines.join('\n')}\n`);
  }

  /**
   * How a run failed. In JSON mode (scripts, logs) one line on stderr; on a terminal the verdict:
   * not safe to reboot, the error wrapped to the console, what to do, when.
   */
  error(err: AgentError, exit: ExitCode, nowMs?: number): void {
    this.endBar();
    if (this.opts.mode !== 'tty' || nowMs === undefined) {
      this.sink.err(`${formatError(err, exit)}\n`);
      return;
    }
    const facts = { startedMs: this.run?.startedMs ?? nowMs, endedMs: nowMs };
    this.sink.err(`${formatFailure(err, exit, facts, this.style(), this.columns()).join('\n')}\n`);
  }

  private style(): { utc: boolean } {
    return { utc: this.opts.utc === true };
  }

  private columns(): number {
    const c = this.sink.columns ?? 80;
    // A pseudo-terminal without a size reports 0 columns.
    return c >= 20 ? c : 80;
  }

  /** Bytes written by this run: a resumed run started with some already on the target. */
  private bytesThisRun(): number {
    return Math.max(0, (this.snapshot?.bytesDone ?? 0) - (this.firstBytes ?? 0));
  }

  private emit(nowMs: number): void {
    const s = this.snapshot;
    if (!s) return;
    this.lastEmitMs = nowMs;
    const r = this.rates();
    if (this.opts.mode === 'json') {
      this.sink.out(`${formatJsonLine(s, r, nowMs, this.opts.cpuSeconds?.())}\n`);
    } else {
      this.sink.out(`\r${formatStatusLine(s, r, nowMs, this.style(), this.columns())}\x1b[K`);
      this.barDrawn = true;
    }
  }

  private endBar(): void {
    if (this.barDrawn) this.sink.out('\n');
    this.barDrawn = false;
  }
}
