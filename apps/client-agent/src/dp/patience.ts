// Waiting for a DP that restarts: retry transient failures until the patience runs out. The clock
// and sleep are injected so tests run on a fake clock without real waiting.
import { AgentError } from '../errors';
import { isTransient } from './dp-client';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PatienceOptions {
  /** Give up after this long without success, ms. */
  readonly patienceMs: number;
  /** First retry delay, doubled up to `maxDelayMs`. @default 500 */
  readonly firstDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** Told about each transient failure (to show "reconnecting"). */
  readonly onRetry?: (err: AgentError, attempt: number) => void;
}

export async function withPatience<T>(fn: () => Promise<T>, clock: Clock, opts: PatienceOptions): Promise<T> {
  const start = clock.now();
  let delay = opts.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      const e = err as AgentError;
      const waited = clock.now() - start;
      if (waited + delay > opts.patienceMs) {
        throw new AgentError('dp-unreachable', `${e.message.replace(/\.$/, '')}, and it did not come back within ${Math.round(opts.patienceMs / 1000)} s`, e.data, { cause: e });
      }
      opts.onRetry?.(e, attempt);
      await clock.sleep(delay);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5000);
    }
  }
}
