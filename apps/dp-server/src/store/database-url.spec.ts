import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, resolveSettings } from '../config/settings';
import { buildApp } from '../http/app';
import { recordingFactory, TestImporter } from '../testing/fakes';

// `serve --database-url` (and the config file's key): a PostgreSQL server instead of PGlite. A URL
// that is not one, or a server that cannot be reached, stops the start with one line naming the
// server and the cause (never a stack trace), and gives the data dir back.
describe('database-url', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cp-dp-dburl-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const base = () => ({ 'data-dir': join(dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1' });

  it('is read from flags, CASTPOINT_DATABASE_URL and the config file, and must be a postgres:// URL', () => {
    expect(resolveSettings({ flags: base() }).databaseUrl).toBeUndefined();
    expect(resolveSettings({ flags: { ...base(), 'database-url': 'postgres://dp@db.lan/castpoint' } }).databaseUrl).toBe('postgres://dp@db.lan/castpoint');
    expect(resolveSettings({ flags: base(), env: { CASTPOINT_DATABASE_URL: 'postgresql://dp@db.lan:5433/cp' } }).databaseUrl).toBe('postgresql://dp@db.lan:5433/cp');
    const config = join(dir, 'dp.json');
    writeFileSync(config, JSON.stringify({ databaseUrl: 'postgres://dp@file/cp' }));
    expect(resolveSettings({ flags: base(), file: readConfigFile(config) }).databaseUrl).toBe('postgres://dp@file/cp');
    expect(() => resolveSettings({ flags: { ...base(), 'database-url': 'mysql://dp@db/cp' } })).toThrow(expect.objectContaining({ code: 'DP_BAD_SETTING', message: expect.stringContaining('must start with postgres://') }));
    expect(() => resolveSettings({ flags: { ...base(), 'database-url': 'db.lan:5432' } })).toThrow(expect.objectContaining({ code: 'DP_BAD_SETTING' }));
  });

  it('refuses to start when the server cannot be reached, naming host, port and cause, password masked, data dir released', async () => {
    // A port on 127.0.0.1 that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const settings = resolveSettings({ flags: { ...base(), 'database-url': `postgres://dp:hunter2@127.0.0.1:${port}/castpoint` } });
    const start = () => buildApp({ settings, importer: new TestImporter(), runnerFactory: recordingFactory().factory, timers: false });
    const err = (await start().catch((e: unknown) => e)) as { code?: string; message: string };
    expect(err.code).toBe('DP_DATABASE');
    expect(err.message).toContain(`PostgreSQL postgres://dp:***@127.0.0.1:${port}/castpoint, server 127.0.0.1 port ${port}`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('hunter2');
    // The data dir's lock was given back: the same start fails the same way, not "in use".
    expect(await start().catch((e: unknown) => (e as { code?: string }).code)).toBe('DP_DATABASE');
  });
});
