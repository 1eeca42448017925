// How a deploy ends, told to the user and the DP: the last progress line, the final JSON/summary
// line and the last progress post. One place for both endings, so that a failure is reported with
// the same steps (in the same order) as a success.
import { EXIT, exitCodeOf, toAgentError, type ExitCode } from '../errors';
import type { Reporter } from '../output/reporter';
import type { Clock } from '../dp/patience';
import type { AgentStatus } from './status';

export interface OutcomeDeps {
  readonly reporter: Reporter;
  readonly clock: Clock;
}

/** The image is on the target and verified: done for the reporter and the DP. */
export async function reportDone(status: AgentStatus, deps: OutcomeDeps): Promise<ExitCode> {
  status.progress.set('done');
  deps.reporter.update(status.progress.snapshot(), deps.clock.now());
  deps.reporter.flush(deps.clock.now());
  deps.reporter.verified(deps.clock.now());
  await status.posts.post();
  return EXIT.ok;
}

/** The deploy failed with `err`: failed for the reporter and the DP; returns the exit code. */
export async function reportFailed(err: unknown, status: AgentStatus, deps: OutcomeDeps): Promise<ExitCode> {
  const e = toAgentError(err);
  const exit = exitCodeOf(e);
  status.progress.set('failed', e.message);
  status.progress.exit = exit;
  deps.reporter.update(status.progress.snapshot(), deps.clock.now());
  deps.reporter.flush(deps.clock.now());
  await status.posts.post();
  deps.reporter.error(e, exit, deps.clock.now());
  return exit;
}
