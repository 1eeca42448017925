import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The dashboard's memory, kept across a DP restart (issue 28): agent requests the DP refused, and
 * each session's send rate once a second for its throughput chart. Both were in memory only, so a
 * restart (an upgrade, a reload by systemd) wiped the one trace of why a machine got nothing.
 * Bounded by operator-log-queries.ts (the newest refusals, the newest sessions' samples).
 */
export const refusalsAndRateSamples: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('refusals')
      .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      // ISO time as the DP wrote it (dp_events keeps its times the same way).
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('image', 'text')
      .addColumn('hostname', 'text')
      .execute();
    await db.schema
      .createTable('rate_samples')
      .addColumn('session_id', 'integer', (c) => c.notNull())
      .addColumn('at_sec', 'bigint', (c) => c.notNull())
      .addColumn('bytes_per_sec', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_samples_pk', ['session_id', 'at_sec'])
      .execute();
  },
};
