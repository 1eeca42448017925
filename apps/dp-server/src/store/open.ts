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
    throw new DeployError('DP_DATABASE', `cannot open the database (${describe(location)}): ${String(err)}`, { location: describe(location) }, { cause: err });
  }
  return db;
}

async function dialectFor(location: StoreLocation) {
  switch (location.kind) {
    case 'memory':
      return new PgliteDialect(await PGlite.create({ ...(await pgliteAssets()) }));
    case 'pglite': {
      const dir = path.join(location.dataDir, PGLITE_DIR);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return new PgliteDialect(await PGlite.create({ dataDir: dir, ...(await pgliteAssets()) }));
    }
    case 'postgres':
      return new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url, max: 10 }) });
  }
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
