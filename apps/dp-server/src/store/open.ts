import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DeployError } from '../deployments/errors';
import { MIGRATIONS } from './migrations';
import { giveBackMemoryCluster, takeMemoryCluster } from './memory-clusters';
import { pgliteAssets } from './pglite-assets';
import { PgliteDialect } from './pglite-dialect';
import { defaultTemplateFile, discardTemplate, loadOrMakeTemplate } from './pglite-template';
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
 * Every new cluster, in memory (tests) or in a fresh data dir, starts from one migrated, empty
 * cluster (pglite-template.ts) instead of PGlite's initdb. Per process a memo of an immutable
 * value (the tarball), like pgliteAssets, never shared state. CASTPOINT_PGLITE_TEMPLATE=off
 * turns it off (every fresh start runs initdb, as before); a path puts the cached tarball there.
 */
let template: { file: string | undefined; blob: Promise<Blob> } | undefined;

function templateFile(): string | undefined | null {
  const env = process.env['CASTPOINT_PGLITE_TEMPLATE'];
  if (env === 'off') return null;
  return env !== undefined && env !== '' ? env : defaultTemplateFile();
}

function pgliteTemplate(file: string | undefined): Promise<Blob> {
  if (template !== undefined && template.file === file) return template.blob;
  const blob = loadOrMakeTemplate(file).catch((err: unknown) => {
    if (template?.blob === blob) template = undefined;
    throw err;
  });
  template = { file, blob };
  return blob;
}

/**
 * PGlite in DATA_DIR/db. A fresh directory is filled from the template; DATA_DIR/db.loading marks
 * a load in progress, so one cut short (kill -9) is wiped and done again rather than resumed as a
 * half-copied cluster. A template that fails to load is discarded and initdb runs instead.
 */
async function openPgliteDir(dataDir: string): Promise<PGlite> {
  const dir = path.join(dataDir, PGLITE_DIR);
  const marker = path.join(dataDir, `${PGLITE_DIR}.loading`);
  if (existsSync(marker)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const assets = await pgliteAssets();
  const file = templateFile();
  if (file !== null && !existsSync(path.join(dir, 'PG_VERSION'))) {
    writeFileSync(marker, '');
    try {
      const pglite = await PGlite.create({ dataDir: dir, ...assets, loadDataDir: await pgliteTemplate(file) });
      rmSync(marker, { force: true });
      return pglite;
    } catch {
      template = undefined;
      discardTemplate(file);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(marker, { force: true });
    }
  }
  return PGlite.create({ dataDir: dir, ...assets });
}

async function dialectFor(location: StoreLocation) {
  switch (location.kind) {
    case 'memory': {
      const file = templateFile();
      const make = async () => PGlite.create({ ...(await pgliteAssets()), ...(file === null ? {} : { loadDataDir: await pgliteTemplate(file) }) });
      return new PgliteDialect(await takeMemoryCluster(make), giveBackMemoryCluster);
    }
    case 'pglite':
      return new PgliteDialect(await openPgliteDir(location.dataDir));
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
