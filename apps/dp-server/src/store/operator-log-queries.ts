import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { DpDatabase } from './schema';

/** An agent request the DP refused, as dashboard/refusals.ts records it. */
export interface StoredRefusal {
  readonly at: string;
  readonly ip: string;
  readonly route: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly image: string | null;
  readonly hostname: string | null;
}

/** [seconds since the epoch, bytes/s], as dashboard/rate-history.ts keeps it. */
export type StoredRateSample = readonly [number, number];

export interface RefusalsTable {
  id: Generated<number>;
  at: string;
  ip: string;
  route: string;
  status: number;
  code: string;
  message: string;
  image: string | null;
  hostname: string | null;
}

export interface RateSamplesTable {
  session_id: number;
  /** int8: read through Number(). */
  at_sec: ColumnType<string | number | bigint, number, number>;
  bytes_per_sec: number;
}

/** How much of the dashboard's memory the store keeps; the in-memory lists keep the same. */
export interface OperatorLogLimits {
  /** Newest refused requests kept. @default 500 */
  readonly refusals: number;
  /** Sessions whose rate samples are kept (the newest ids). @default 20 */
  readonly sessions: number;
  /** Samples kept per session, one a second: 15 minutes. @default 900 */
  readonly perSession: number;
}

export const OPERATOR_LOG_LIMITS: OperatorLogLimits = { refusals: 500, sessions: 20, perSession: 900 };

/**
 * Every query on the dashboard's memory: refused agent requests and sessions' rate samples. Writes
 * prune as they go, so neither table grows past its limits however long the DP runs or however
 * fast agents are refused (an agent retrying with a wrong token).
 */
export class OperatorLogQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    readonly limits: OperatorLogLimits = OPERATOR_LOG_LIMITS,
  ) {}

  /** The same table under other limits (tests use small ones). */
  withLimits(limits: OperatorLogLimits): OperatorLogQueries {
    return new OperatorLogQueries(this.db, limits);
  }

  async addRefusal(r: StoredRefusal): Promise<void> {
    const { id } = await this.db.insertInto('refusals').values({ at: r.at, ip: r.ip, route: r.route, status: r.status, code: r.code, message: r.message, image: r.image, hostname: r.hostname }).returning('id').executeTakeFirstOrThrow();
    // Identity ids only grow: everything `refusals` below the newest is older than the limit.
    await this.db.deleteFrom('refusals').where('id', '<=', id - this.limits.refusals).execute();
  }

  /** Newest first. */
  async recentRefusals(limit = this.limits.refusals): Promise<StoredRefusal[]> {
    const rows = await this.db.selectFrom('refusals').select(['at', 'ip', 'route', 'status', 'code', 'message', 'image', 'hostname']).orderBy('id', 'desc').limit(limit).execute();
    return rows;
  }

  /** One tick's samples (`atSec`, bytes/s per session); a second sample in the same second replaces the first. */
  async addSamples(atSec: number, samples: ReadonlyArray<{ readonly id: number; readonly bytesPerSec: number }>): Promise<void> {
    if (samples.length === 0) return;
    await this.db
      .insertInto('rate_samples')
      .values(samples.map((s) => ({ session_id: s.id, at_sec: atSec, bytes_per_sec: s.bytesPerSec })))
      .onConflict((oc) => oc.columns(['session_id', 'at_sec']).doUpdateSet((eb) => ({ bytes_per_sec: eb.ref('excluded.bytes_per_sec') })))
      .execute();
  }

  /**
   * Drops the samples past the limits: sessions older than the newest `sessions` ids, and in each
   * kept session all but its newest `perSession` samples. Called now and then, not every tick.
   */
  async pruneSamples(): Promise<void> {
    const { sessions, perSession } = this.limits;
    await sql`delete from rate_samples where session_id not in (select distinct session_id from rate_samples order by session_id desc limit ${sessions})`.execute(this.db);
    await sql`delete from rate_samples r using (select session_id, at_sec, row_number() over (partition by session_id order by at_sec desc) as n from rate_samples) old where r.session_id = old.session_id and r.at_sec = old.at_sec and old.n > ${perSession}`.execute(this.db);
  }

  /** The kept series, oldest session first and each oldest sample first (what RateHistory loads). */
  async recentSeries(): Promise<Map<number, StoredRateSample[]>> {
    const { sessions, perSession } = this.limits;
    const rows = await this.db
      .selectFrom('rate_samples')
      .select(['session_id', 'at_sec', 'bytes_per_sec'])
      .where('session_id', 'in', (eb) => eb.selectFrom('rate_samples').select('session_id').distinct().orderBy('session_id', 'desc').limit(sessions))
      .orderBy('session_id')
      .orderBy('at_sec')
      .execute();
    const out = new Map<number, StoredRateSample[]>();
    for (const r of rows) {
      let list = out.get(r.session_id);
      if (!list) out.set(r.session_id, (list = []));
      list.push([Number(r.at_sec), Number(r.bytes_per_sec)]);
    }
    // Samples written after the last prune may exceed the limit: the newest are kept.
    for (const [id, list] of out) if (list.length > perSession) out.set(id, list.slice(-perSession));
    return out;
  }
}
