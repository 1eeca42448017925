import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MIGRATIONS } from './migrations';
import { pgliteAssets } from './pglite-assets';
import { PgliteDialect } from './pglite-dialect';
import type { DpDatabase } from './schema';

/**
 * An empty, migrated PGlite cluster as a tarball (PGlite's dumpDataDir), which a new store loads
 * (PGliteOptions.loadDataDir) instead of running initdb. initdb took 21-65 s under load and ~5 s
 * quiet on every DP start in a fresh data dir: every integration test and the demo paid it.
 * Loading the tarball takes ~2.5 s under the same load (docs/deployments.md "Start-up").
 *
 * The tarball is made once per PGlite version and set of migrations, and kept in
 * node_modules/.cache/castpoint (beside the PGlite it belongs to, so any checkout or install has
 * its own); the first process that needs it makes it, in memory, and later ones read it. Migrations
 * still run on every open: a template made before a new migration gets it applied on top.
 */
const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** node_modules/.cache/castpoint/pglite-VERSION-MIGRATIONSHASH.tar, or undefined outside node_modules. */
export function defaultTemplateFile(): string | undefined {
  const req = createRequire(__filename);
  const entry = req.resolve('@electric-sql/pglite');
  const at = entry.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (at < 0) return undefined;
  const version = (JSON.parse(readFileSync(path.join(entry.slice(0, at), 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
  const migrations = createHash('sha256').update(Object.keys(MIGRATIONS).sort().join('\n')).digest('hex').slice(0, 12);
  return path.join(entry.slice(0, at), 'node_modules', '.cache', 'castpoint', `pglite-${version}-${migrations}.tar`);
}

/** Makes the template: initdb and every migration in memory, dumped uncompressed (loads fastest). */
export async function makeTemplate(): Promise<Blob> {
  const pglite = await PGlite.create({ ...(await pgliteAssets()) });
  const db = new Kysely<DpDatabase>({ dialect: new PgliteDialect(pglite) });
  try {
    const { error } = await new Migrator({ db, provider }).migrateToLatest();
    if (error) throw error;
    return await pglite.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}

/**
 * The template, read from `file` or made and written there (atomically: a temp file renamed, so
 * parallel test workers never read half of one). A cache that cannot be written is no error: the
 * template is still returned for this process.
 */
export async function loadOrMakeTemplate(file: string | undefined): Promise<Blob> {
  if (file !== undefined) {
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      // Not made yet (or unreadable): made below.
    }
  }
  const made = await makeTemplate();
  if (file !== undefined) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, new Uint8Array(await made.arrayBuffer()));
      renameSync(tmp, file);
    } catch {
      // A read-only install: this process keeps its copy, the next start makes its own.
    }
  }
  return made;
}

/** Removes a template that failed to load, so the next start makes a new one. */
export function discardTemplate(file: string | undefined): void {
  if (file !== undefined) rmSync(file, { force: true });
}
