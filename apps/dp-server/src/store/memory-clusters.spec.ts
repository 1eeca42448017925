import { sql, type Kysely } from 'kysely';
import { memoryClusterCounts } from './memory-clusters';
import { MIGRATIONS } from './migrations';
import { openDatabase } from './open';
import type { DpDatabase } from './schema';

async function addMachine(db: Kysely<DpDatabase>, name: string): Promise<number> {
  const { rows } = await sql<{ id: number }>`insert into machines (name, state, created_at) values (${name}, 'known', now()) returning id`.execute(db);
  return Number(rows[0]?.id);
}

async function rowsPerTable(db: Kysely<DpDatabase>): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public' order by tablename`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of rows) {
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(db);
    counts[name] = r.rows[0]?.n ?? -1;
  }
  return counts;
}

describe('in-memory PGlite clusters', () => {
  it('reuses a closed store cluster, emptied as a new one is: every table empty, identities restarted, migrations kept', async () => {
    const first = await openDatabase({ kind: 'memory' });
    const fresh = await rowsPerTable(first);
    const id = await addMachine(first, 'pc1');
    await addMachine(first, 'pc2');
    await sql`insert into machine_macs (mac, machine_id) values ('52:54:00:00:00:01', ${id})`.execute(first);
    await sql`insert into collections (name, rules, created_at) values ('lab', '[]'::jsonb, now())`.execute(first);
    await first.destroy();

    const { made, reused } = memoryClusterCounts;
    const second = await openDatabase({ kind: 'memory' });
    try {
      expect(memoryClusterCounts).toEqual({ made, reused: reused + 1 });
      // Same tables, all empty (the migrator's own rows kept, so nothing is migrated twice).
      expect(await rowsPerTable(second)).toEqual(fresh);
      expect(fresh['kysely_migration']).toBe(Object.keys(MIGRATIONS).length);
      expect(fresh['machines']).toBe(0);
      expect(await addMachine(second, 'pc1')).toBe(1);
    } finally {
      await second.destroy();
    }
  });

  it('closes the spare when no store takes it within half a second', async () => {
    const db = await openDatabase({ kind: 'memory' });
    await addMachine(db, 'pc1');
    await db.destroy();
    await new Promise((resolve) => setTimeout(resolve, 700));

    const { made } = memoryClusterCounts;
    const next = await openDatabase({ kind: 'memory' });
    try {
      expect(memoryClusterCounts.made).toBe(made + 1);
    } finally {
      await next.destroy();
    }
  });

  it('closes a cluster left inside a transaction instead of reusing it', async () => {
    const db = await openDatabase({ kind: 'memory' });
    await sql`begin`.execute(db);
    await addMachine(db, 'half-written');
    await db.destroy();

    const { made } = memoryClusterCounts;
    const next = await openDatabase({ kind: 'memory' });
    try {
      expect(memoryClusterCounts.made).toBe(made + 1);
      expect((await rowsPerTable(next))['machines']).toBe(0);
    } finally {
      await next.destroy();
    }
  });
});
