import type { PGlite } from '@electric-sql/pglite';

// In-memory PGlite clusters (StoreLocation 'memory': what the specs' DPs and the store bench use)
// are emptied and reused when their store closes, not made anew for the next store. Making one
// (the template loaded into a fresh WebAssembly instance) costs 0.3-0.6 s of CPU here, and the
// dp-server specs build hundreds of apps, one per test: it was half of that suite's CPU time
// (a --cpu-prof of route-roles.spec.ts, 2026-12-06). Emptying one is one TRUNCATE.
//
// A reused cluster is what a new one would be to the store: the same migrated schema, every
// table empty and every identity restarted. One that cannot be brought back to that (a
// transaction left open, a failed TRUNCATE) is closed instead. Clusters on disk are never reused.

/**
 * Only one spare, closed once no store has taken it for IDLE_CLOSE_MS. A cluster that has been
 * written keeps PGlite's own (Emscripten) timers running, which would hold a process (a jest
 * run in band) open after its last test; specs open their next store within milliseconds.
 */
const IDLE_CLOSE_MS = 500;
let spare: { db: PGlite; idle: ReturnType<typeof setTimeout> } | undefined;

/** How many clusters this process made and reused (specs check the reuse happens). */
export const memoryClusterCounts = { made: 0, reused: 0 };

/** The spare, emptied cluster if one is kept, else a new one from `make`. */
export async function takeMemoryCluster(make: () => Promise<PGlite>): Promise<PGlite> {
  if (spare !== undefined) {
    const { db, idle } = spare;
    clearTimeout(idle);
    spare = undefined;
    memoryClusterCounts.reused++;
    return db;
  }
  const made = await make();
  memoryClusterCounts.made++;
  return made;
}

/** What a store's close does to its in-memory cluster: empty it and keep it as the spare, or close it. */
export async function giveBackMemoryCluster(db: PGlite): Promise<void> {
  if (db.closed) return;
  if (spare === undefined && !db.isInTransaction()) {
    try {
      await empty(db);
      // Another store may have been given back while this one was emptied.
      if (spare === undefined) {
        const idle = setTimeout(() => {
          if (spare?.db === db) spare = undefined;
          void db.close().catch(() => undefined);
        }, IDLE_CLOSE_MS);
        idle.unref();
        spare = { db, idle };
        return;
      }
    } catch {
      // Not reusable: closed below like any other.
    }
  }
  await db.close();
}

/** Every table but the migrator's own, emptied, with the identities they own restarted. */
async function empty(db: PGlite): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `select quote_ident(tablename) as name from pg_tables where schemaname = 'public' and tablename not like 'kysely\\_migration%'`,
  );
  if (rows.length > 0) await db.exec(`truncate table ${rows.map((r) => r.name).join(', ')} restart identity cascade`);
}
