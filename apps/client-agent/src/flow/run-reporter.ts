// The reporter of a `run`: deploy's own Reporter (same screen, same JSON progress lines), which
// also watches what the deploy did, for the report to the DP (bytes, multicast or unicast,
// repaired symbols, the failure's message), and prints the run's own steps.
import type { AgentError, ExitCode } from '../errors';
import { printable } from '../output/printable';
import type { ProgressSnapshot } from '../output/progress';
import { Reporter, type OutputSink, type ReporterOptions } from '../output/reporter';

export interface TransferFacts {
  /** Bytes of the image on the target at the end (resumed ones included). */
  bytes?: number;
  /** `unicast` once any part came by unicast fallback; `multicast` when a session was joined. */
  transport?: 'multicast' | 'unicast';
  repairedSymbols?: number;
}

/** One line about a run step: a JSON object on stdout in JSON mode, a sentence on a terminal. */
export interface RunStep {
  readonly step: 'identity' | 'assignment' | 'wait' | 'disk' | 'capture' | 'script' | 'report' | 'after' | 'result';
  readonly text: string;
  readonly [field: string]: unknown;
}

export class RunReporter extends Reporter {
  private last: ProgressSnapshot | undefined;
  private sawSession = false;
  private sawFallback = false;
  /** The message of the error the deploy ended with (printed by deploy, sent in the report). */
  failure: string | undefined;

  constructor(
    private readonly runSink: OutputSink,
    private readonly runOpts: ReporterOptions,
    private readonly nowIso: () => string,
  ) {
    super(runSink, runOpts);
  }

  override update(s: ProgressSnapshot, nowMs: number): void {
    super.update(s, nowMs);
    this.last = s;
    if (s.sessionId !== undefined) this.sawSession = true;
    if (s.state === 'fallback' || s.unicast === true) this.sawFallback = true;
  }

  override error(err: AgentError, exit: ExitCode, nowMs?: number): void {
    this.failure = err.message;
    super.error(err, exit, nowMs);
  }

  transfer(): TransferFacts {
    const s = this.last;
    if (!s) return {};
    const transport = this.sawFallback ? 'unicast' : this.sawSession ? 'multicast' : undefined;
    return { bytes: s.bytesDone, repairedSymbols: s.repairedSymbols, ...(transport ? { transport } : {}) };
  }

  /** What the post-deploy script prints, passed through to stderr as it comes. */
  scriptOutput(text: string): void {
    // The script is the operator's, but its output may quote anything: no escape sequences.
    this.runSink.err(text.split('\n').map(printable).join('\n'));
  }

  step(s: RunStep): void {
    if (this.runOpts.mode === 'json') {
      this.runSink.out(`${JSON.stringify({ time: this.nowIso(), ...s })}\n`);
    } else {
      this.runSink.out(`${printable(`castpoint-agent run: ${s.text}`)}\n`);
    }
  }
}
