// Every await on an agent's request path is bounded. One that never settled (the image check before
// a session, a runner that never finished starting) held the agent's HTTP request, and every later
// request for the image waited on the same pending promise in the creating map: no answer, no
// session, and so no --max-wait either. Two bounds, on purpose different:
// - what a request waits for (REQUEST_WAIT_MS): it answers 503 in time for the agent's own 10 s
//   HTTP timeout, and the agent asks again; the work it waited for goes on, so a slow check on a
//   busy box is picked up by the next request instead of being started over (and timing out) again.
// - what the work itself may take (STEP_LIMIT_MS): then it is given up (the creating entry cleared,
//   a half-started session failed), so the next request starts afresh.
import { DpError } from '../errors';
import type { SessionRunner } from './runner';

/**
 * The longest one request waits for a step (image check, runner start); with the long poll
 * (2 s) a request answers within 2 x 3.5 + 2 = 9 s, inside the agent's 10 s timeout.
 */
export const REQUEST_WAIT_MS = 3500;

/** The longest the image check or a runner start may take before the attempt is given up. */
export const STEP_LIMIT_MS = 30_000;

/** Rejects with DP_BUSY (503: the agent asks again) when `p` has not settled within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DpError('DP_BUSY', `${what} took longer than ${ms / 1000} s`, { step: what, ms }));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Starts `runner` within `ms`, or closes it and rejects. A start that completes after it was given
 * up is closed then too: no socket may go on sending for a session that failed.
 */
export async function startRunner(runner: SessionRunner, ms: number): Promise<void> {
  const started = runner.start();
  try {
    await withDeadline(started, ms, 'starting the session');
  } catch (err) {
    started.then(
      () => runner.close().catch(() => undefined),
      () => undefined,
    );
    await runner.close().catch(() => undefined);
    throw err;
  }
}
