import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { resolveSettings } from '../config/settings';
import { recordingFactory, TestImporter } from '../testing/fakes';
import { ADMIN, CLIENT, patterned } from '../testing/harness';
import { buildApp, type DpApp } from './app';

/** A DP logging JSON lines at `level` into an array. */
async function loggingDp(dir: string, level: string): Promise<{ app: DpApp; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const settings = resolveSettings({ flags: { 'data-dir': join(dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1', 'admin-token': ADMIN, 'client-token': CLIENT, 'image-root': dir } });
  const app = await buildApp({ settings, importer: new TestImporter(), runnerFactory: recordingFactory().factory, loggerInstance: pino({ level }, sink), timers: false, longPollMs: 0 });
  await app.ready();
  return { app, lines };
}

describe('request log levels', () => {
  let dir: string;
  let app: DpApp | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-reqlog-'));
    writeFileSync(join(dir, 'disk.img'), patterned(300_000, 3));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function progressPosts(level: string): Promise<Array<Record<string, unknown>>> {
    const dp = await loggingDp(dir, level);
    app = dp.app;
    const c = { authorization: `Bearer ${CLIENT}` };
    expect((await app.inject({ method: 'POST', url: '/api/v1/images', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: 'img', file: join(dir, 'disk.img') } })).statusCode).toBe(201);
    const join1 = (await app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: c, payload: { image: 'img', hostname: 'pc1' } })).json<{ receiverId: number }>();
    dp.lines.length = 0;
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/agent/progress', headers: c, payload: { receiverId: join1.receiverId, image: 'img', state: 'receiving', chunksDone: i, totalChunks: 10, bytesDone: i * 1000, rateBps: 1000, repairedSymbols: 0 } });
      expect(r.statusCode).toBe(200);
    }
    // A refused post stays visible at info.
    expect((await app.inject({ method: 'POST', url: '/api/v1/agent/progress', headers: { authorization: 'Bearer wrong' }, payload: {} })).statusCode).toBe(403);
    return dp.lines.filter((l) => typeof l['msg'] === 'string' && /request/.test(l['msg']));
  }

  it('logs successful agent progress posts at debug only, a refused one at info', async () => {
    const lines = await progressPosts('info');
    // Only the refused post's outcome (pino level 30 = info): its status is known when it ends.
    expect(lines.map((l) => [l['msg'], l['level'], (l['res'] as { statusCode?: number } | undefined)?.statusCode])).toEqual([['request completed', 30, 403]]);
  });

  it('shows every progress post at debug level', async () => {
    const lines = await progressPosts('debug');
    // Two lines per post, and the refused post's arrival.
    expect(lines.filter((l) => l['level'] === 20)).toHaveLength(11);
  });
});
