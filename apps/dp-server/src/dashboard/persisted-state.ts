// The dashboard's memory (refused requests, rate samples) kept in the SQL store, so a restart of the
// DP keeps it. The page reads the in-memory lists (the snapshot is built synchronously on every
// change); each addition is written behind, one statement at a time in order, and a stop waits
// for the writes (flush) before the store closes. A write that fails is logged and dropped: the
// dashboard's memory must never fail an agent's request or a tick.
import type { FastifyBaseLogger } from 'fastify';
import type { OperatorLogQueries } from '../store/operator-log-queries';
import { RateHistory } from './rate-history';
import { RefusalLog } from './refusals';

/** The dashboard's own memory: rates over time and refused agent requests. */
export interface DashboardState {
  readonly rates: RateHistory;
  readonly refusals: RefusalLog;
  /** Resolves once every write started so far has ended. */
  flush(): Promise<void>;
}

/** Samples between two prunes of the rate table (one a second: a minute), besides each new session. */
const PRUNE_EVERY = 60;

/** Loads what the store kept and returns the lists that write every addition back to it. */
export async function openDashboardState(q: OperatorLogQueries, log: Pick<FastifyBaseLogger, 'warn'>): Promise<DashboardState> {
  let tail: Promise<void> = Promise.resolve();
  let failing = false;
  const write = (what: string, fn: () => Promise<void>): void => {
    tail = tail.then(fn).then(
      () => {
        failing = false;
      },
      (err: unknown) => {
        // Said once per run of failures, not once a second while the database is away.
        if (!failing) log.warn({ err }, `dashboard: cannot store ${what} in the database; kept in memory until the DP stops`);
        failing = true;
      },
    );
  };
  const [restoredRefusals, restoredSeries] = await Promise.all([q.recentRefusals(), q.recentSeries()]);
  let sinceprune = 0;
  return {
    refusals: new RefusalLog(q.limits.refusals, (r) => write('a refused request', () => q.addRefusal(r)), restoredRefusals),
    rates: new RateHistory({
      perSession: q.limits.perSession,
      sessions: q.limits.sessions,
      restored: restoredSeries,
      onSample: (atSec, samples, newSession) => {
        write('rate samples', () => q.addSamples(atSec, samples));
        if (newSession || ++sinceprune >= PRUNE_EVERY) {
          sinceprune = 0;
          write('rate samples', () => q.pruneSamples());
        }
      },
    }),
    flush: () => tail,
  };
}
