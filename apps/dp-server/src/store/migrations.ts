import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { refusalsAndRateSamples } from './migration-refusals-rates';

/**
 * The one list of migrations, applied in name order to PGlite and PostgreSQL alike. A released
 * migration is never edited: a change to the schema is a new entry.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_machines_collections_deployments': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('machines')
        .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('uuid', 'text')
        .addColumn('serial', 'text')
        .addColumn('vendor', 'text')
        .addColumn('model', 'text')
        .addColumn('last_ip', 'text')
        .addColumn('first_seen', 'timestamptz')
        .addColumn('last_seen', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      // Not unique: placeholder and copied SMBIOS UUIDs are shared by different machines.
      await db.schema.createIndex('machines_uuid').on('machines').column('uuid').execute();
      await db.schema
        .createTable('machine_macs')
        .addColumn('mac', 'text', (c) => c.primaryKey())
        .addColumn('machine_id', 'integer', (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .execute();
      await db.schema.createIndex('machine_macs_machine').on('machine_macs').column('machine_id').execute();
      await db.schema
        .createTable('collections')
        .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('rules', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('collection_members')
        .addColumn('collection_id', 'integer', (c) => c.notNull().references('collections.id').onDelete('cascade'))
        .addColumn('machine_id', 'integer', (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('collection_members_pk', ['collection_id', 'machine_id'])
        .execute();
      await db.schema
        .createTable('deployments')
        .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('image', 'text', (c) => c.notNull())
        // restrict: a collection that deployments target cannot vanish under them.
        .addColumn('collection_id', 'integer', (c) => c.notNull().references('collections.id').onDelete('restrict'))
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('required', 'available')`))
        .addColumn('disk', 'text', (c) => c.notNull())
        .addColumn('after', 'text', (c) => c.notNull().check(sql`after in ('reboot', 'poweroff', 'none')`))
        .addColumn('script', 'text')
        .addColumn('not_before', 'timestamptz')
        .addColumn('deadline', 'timestamptz')
        .addColumn('variables', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployment_done')
        .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
        .addColumn('machine_id', 'integer', (c) => c.notNull().references('machines.id').onDelete('cascade'))
        .addColumn('done_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_done_pk', ['deployment_id', 'machine_id'])
        .execute();
      await db.schema
        .createTable('history')
        .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('machine_id', 'integer', (c) => c.references('machines.id').onDelete('set null'))
        .addColumn('machine_name', 'text')
        .addColumn('deployment_id', 'integer', (c) => c.references('deployments.id').onDelete('set null'))
        .addColumn('deployment_name', 'text')
        .addColumn('image', 'text')
        .addColumn('started_at', 'timestamptz', (c) => c.notNull())
        .addColumn('ended_at', 'timestamptz')
        .addColumn('bytes', 'bigint')
        .addColumn('transport', 'text')
        .addColumn('repaired_symbols', 'integer')
        .addColumn('exit_code', 'integer')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('history_machine').on('history').columns(['machine_id', 'started_at']).execute();
      await db.schema.createIndex('history_deployment').on('history').columns(['deployment_id', 'started_at']).execute();
    },
  },
  // What state.json held (issue 24): images, sessions, clients, the DP's counters and tokens, and
  // its event log. One row per record, the record itself as jsonb: the DP keeps them in memory and
  // writes only the rows that changed (state/state-diff.ts), so a save of 10,000 clients where one
  // changed is one row, not the whole state as the JSON file was.
  '0002_dp_state': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dp_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('images')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('image', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('clients')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('dp_events')
        // Given by the DP (its order in memory), not generated: a save inserts exactly the new ones.
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('session_id', 'integer')
        .addColumn('image', 'text')
        .addColumn('client_id', 'integer')
        .addColumn('detail', 'text')
        .execute();
    },
  },
  // The agent's request reads a machine's memberships and done list by machine (the primary keys
  // lead with the collection and the deployment), and `history --machine` filters and pages by
  // name, newest first: without these, each was a scan that grew with the fleet.
  '0003_scale_indexes': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('collection_members_machine').on('collection_members').column('machine_id').execute();
      await db.schema.createIndex('deployment_done_machine').on('deployment_done').column('machine_id').execute();
      await db.schema.createIndex('history_machine_name').on('history').columns(['machine_name', 'started_at desc', 'id desc']).execute();
      await db.schema.createIndex('history_started').on('history').columns(['started_at desc', 'id desc']).execute();
    },
  },
  '0004_refusals_rate_samples': refusalsAndRateSamples,
  // Issue 26: a deployment either writes its image to the machines (deploy) or captures each
  // machine's disk to a new image (capture; `image` then holds the new image's name pattern).
  '0005_deployment_kind': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('deployments')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('deploy').check(sql`kind in ('deploy', 'capture')`))
        .execute();
    },
  },
};
