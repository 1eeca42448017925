import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteAssets } from './pglite-assets';

// Crash safety of the default backend: a writer process is killed with SIGKILL in the middle of
// its inserts, three times over the same data dir; every insert it had seen acknowledged must be
// there after each crash, and the database must open. The writer is plain Node (not Jest) so the
// kill hits PGlite exactly as it would hit `castpoint-dp serve`.
const WRITER = `
const { PGlite } = require('@electric-sql/pglite');
(async () => {
  const db = await PGlite.create(process.argv[1]);
  await db.exec('create table if not exists t (id integer primary key, pad text not null)');
  const start = Number(process.argv[2]);
  process.stdout.write('ready\\n');
  for (let i = start; ; i++) {
    await db.query('insert into t values ($1, $2)', [i, 'x'.repeat(2000)]);
    process.stdout.write(i + '\\n');
  }
})();
`;

function writeUntilKilled(dir: string, start: number, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WRITER, dir, String(start)], { cwd: path.resolve(__dirname, '../../../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: number[] = [];
    let buf = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (/^\d+$/.test(l)) seen.push(Number(l));
      // Killed mid-stream: the next insert is in flight when the signal lands.
      if (seen.length >= acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe('PGlite data dir under kill -9', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'cp-pglite-crash-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged insert across three kills mid-write', async () => {
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      acked.push(...(await writeUntilKilled(dir, round * 100_000, 150)));
      const db = await PGlite.create({ dataDir: dir, ...(await pgliteAssets()) });
      try {
        const rows = await db.query<{ id: number }>('select id from t');
        const present = new Set(rows.rows.map((r) => r.id));
        expect(acked.filter((id) => !present.has(id))).toEqual([]);
      } finally {
        await db.close();
      }
    }
    expect(acked.length).toBeGreaterThanOrEqual(450);
  }, 300_000);
});
