import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { DpStore } from './dp-store';
import { MIGRATIONS } from './migrations';

/** Tables, columns, indexes, constraints and applied migrations: what "the same schema" means. */
async function schemaOf(store: DpStore): Promise<unknown> {
  const columns = await store.raw(sql`select table_name, column_name, data_type, is_nullable, column_default, is_identity from information_schema.columns where table_schema = 'public' order by table_name, column_name`);
  const indexes = await store.raw(sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname`);
  const constraints = await store.raw(sql`select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = 'public'::regnamespace order by conname`);
  const migrations = await store.raw(sql`select name from kysely_migration order by name`);
  return { columns, indexes, constraints, migrations };
}

// PGlite's initdb runs here once (the fresh store) and once more for the broken-template case:
// each takes 5-60 s depending on the machine's load.
describe('a PGlite store made from the template', () => {
  let dir: string;
  const before = process.env['CASTPOINT_PGLITE_TEMPLATE'];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'castpoint-template-'));
  });
  afterAll(() => {
    if (before === undefined) delete process.env['CASTPOINT_PGLITE_TEMPLATE'];
    else process.env['CASTPOINT_PGLITE_TEMPLATE'] = before;
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, template: string): Promise<DpStore> {
    process.env['CASTPOINT_PGLITE_TEMPLATE'] = template;
    return DpStore.open({ kind: 'pglite', dataDir: path.join(dir, name) });
  }

  it('has the schema and migrations of a store made by initdb, keeps data across a reopen, and the template is made once and kept', async () => {
    const file = path.join(dir, 'cache', 'template.tar');
    const fresh = await open('fresh', 'off');
    const fromTemplate = await open('templated', file);
    try {
      expect(existsSync(file)).toBe(true);
      const schema = await schemaOf(fromTemplate);
      expect(schema).toEqual(await schemaOf(fresh));
      expect((schema as { migrations: Array<{ name: string }> }).migrations.map((m) => m.name)).toEqual(Object.keys(MIGRATIONS).sort());
      await fromTemplate.machines.add({ name: 'kept', macs: ['52:54:00:00:0f:01'] }, new Date('2026-12-01T00:00:00Z'));
    } finally {
      await fresh.close();
      await fromTemplate.close();
    }
    const again = await open('templated', file);
    try {
      expect((await again.machines.get('kept')).macs).toEqual(['52:54:00:00:0f:01']);
    } finally {
      await again.close();
    }
  }, 300_000);

  it('wipes and reloads a load that was cut short, and falls back to initdb with a broken template, discarding it', async () => {
    const file = path.join(dir, 'cache', 'template.tar');
    // A load killed half way: the marker is still there, the cluster half copied.
    mkdirSync(path.join(dir, 'cut', 'db'), { recursive: true });
    writeFileSync(path.join(dir, 'cut', 'db', 'PG_VERSION'), '17\n');
    writeFileSync(path.join(dir, 'cut', 'db.loading'), '');
    const cut = await open('cut', file);
    try {
      expect(existsSync(path.join(dir, 'cut', 'db.loading'))).toBe(false);
      expect((await cut.machines.list()).machines).toEqual([]);
    } finally {
      await cut.close();
    }
    const broken = path.join(dir, 'cache', 'broken.tar');
    writeFileSync(broken, 'not a tarball');
    const fallback = await open('fallback', broken);
    try {
      expect(existsSync(broken)).toBe(false);
      expect((await fallback.machines.list()).machines).toEqual([]);
    } finally {
      await fallback.close();
    }
  }, 300_000);
});
