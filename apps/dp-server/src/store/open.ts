import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DeployError } from '../deployments/errors';
import { MIGRATIONS } from './migrations';
import { pgliteAssets } from './pglite-assets';
import { PgliteDialect } from './pglite-dialect';
import type { DpDatabase } from './schema';

/** Where the store lives: PGlite in the data dir (the default), in memory (tests), or a PostgreSQL server. */
export type StoreLocation = { kind: 'pglite'; dataDir: string } | { kind: 'memory' } | { kind: 'postgres'; url: string };

/** The PGlite cluster's directory inside the DP's data dir. */
export const PGLITE_DIR = 'db';

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Opens the database and brings its schema up to date; a failure is DP_DATABASE with the cause. */
export async function openDatabase(location: StoreLocation): Promise<Kysely<DpDatabase>> {
  const db = new Kysely<DpDatabase>({ dialect: await dialectFor(location) });
  try {
    const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
    if (error) {
      // No failed migration named: the database could not be reached or locked at all.
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      if (failed === undefined) throw error;
      throw new DeployError('DP_DATABASE', `${describe(location)}: migration ${failed} failed: ${String(error)}`, { location: describe(location), migration: failed }, { cause: error });
    }
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (err instanceof DeployError) throw err;
    throw new DeployError('DP_DATABASE', `cannot open the database (${describe(location)}${serverOf(location)}): ${causeOf(err)}`, { location: describe(location) }, { cause: err });
  }
  return db;
}

/**
 * An in-memory store (tests) starts from a copy of one migrated, empty cluster made once per
 * process: PGlite's initdb takes seconds on a busy machine, loading the copy a fraction of that.
 * Like pgliteAssets, a memo of an immutable value (the tarball), never shared state.
 */
let template: Promise<Blob> | undefined;

function memoryTemplate(): Promise<Blob> {
  template ??= (async () => {
    const pglite = await PGlite.create({ ...(await pgliteAssets()) });
    const db = new Kysely<DpDatabase>({ dialect: new PgliteDialect(pglite) });
    try {
      const { error } = await new Migrator({ db, provider }).migrateToLatest();
      if (error) throw error;
      return await pglite.dumpDataDir('none');
    } finally {
      await db.destroy();
    }
  })().catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return template;
}

async function dialectFor(location: StoreLocation) {
  switch (location.kind) {
    case 'memory':
      return new PgliteDialect(await PGlite.create({ ...(await pgliteAssets()), loadDataDir: await memoryTemplate() }));
    case 'pglite': {
      const dir = path.join(location.dataDir, PGLITE_DIR);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return new PgliteDialect(await PGlite.create({ dataDir: dir, ...(await pgliteAssets()) }));
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: location.url, max: 10 });
      // An idle connection the server drops (a restart, a failover) is an 'error' event on the
      // pool, which would end the process unhandled: the pool opens a new one for the next query,
      // and a query that fails is the caller's error (a save retried, a 5xx answered).
      pool.on('error', () => undefined);
      return new PostgresDialect({ pool });
    }
  }
}

/** ", server HOST port PORT" of a PostgreSQL location (what an operator checks first), else "". */
function serverOf(location: StoreLocation): string {
  if (location.kind !== 'postgres') return '';
  try {
    const u = new URL(location.url);
    // pg takes a unix socket directory from ?host= (as the tests' server uses).
    const host = u.searchParams.get('host') ?? (u.hostname || 'localhost');
    return `, server ${host} port ${u.searchParams.get('port') ?? (u.port || '5432')}`;
  } catch {
    return '';
  }
}

/**
 * Why it failed, in one line: a connection refused to "localhost" is an AggregateError of one
 * attempt per address (::1, 127.0.0.1), whose own message is empty.
 */
function causeOf(err: unknown): string {
  const e = err as Error & { code?: string; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.length > 0) return [...new Set(e.errors.map(causeOf))].join('; ');
  const text = e.message || String(err);
  return e.code !== undefined && !text.includes(e.code) ? `${text} (${e.code})` : text;
}

/** The location without a password, for messages and logs. */
export function describe(location: StoreLocation): string {
  if (location.kind === 'memory') return 'PGlite in memory';
  if (location.kind === 'pglite') return `PGlite in ${path.join(location.dataDir, PGLITE_DIR)}`;
  try {
    const u = new URL(location.url);
    if (u.password) u.password = '***';
    return `PostgreSQL ${u.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}
