// Shared by the API specs: a DP app on a temp data dir with a test clock, the recording runner
// and a real (node:crypto) importer, plus helpers that speak the API through inject().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRequestReply } from '@castpoint/wire';
import { resolveSettings } from '../config/settings';
import { buildApp, type BuildAppOptions, type DpApp } from '../http/app';
import type { SessionRunnerFactory } from '../sessions/runner';
import { recordingFactory, TestImporter, type RecordingRunner } from './fakes';

export const ADMIN = 'admin-token-for-tests-0001';
export const CLIENT = 'client-token-for-tests-001';

export interface Harness {
  app: DpApp;
  runners: RecordingRunner[];
  clock: { t: number };
  dir: string;
  file: string;
}

export function patterned(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export async function harness(
  flags: Record<string, unknown> = {},
  dir?: string,
  wrap: (f: SessionRunnerFactory) => SessionRunnerFactory = (f) => f,
  /** Held agent requests (SessionManagerOptions.longPollMs); tests answer at once by default. */
  longPollMs = 0,
  /**
   * What buildApp gets besides (an importer that hangs, a failing file writer, a VirtualClock for
   * held requests, in-memory iPXE files). `persist`: the DP's state in PGlite in the data dir, as
   * `serve` keeps it, for a test that restarts on the same dir (given `dir`, it always is);
   * otherwise PGlite in memory, which opens in a fraction of the time.
   */
  extra: Partial<Pick<BuildAppOptions, 'importer' | 'storeWriter' | 'clock' | 'bootFiles' | 'linkMtu'>> & { persist?: boolean } = {},
): Promise<Harness> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'cp-dp-app-'));
  const file = join(d, 'disk.img');
  if (!dir) {
    // Two and a half chunks: one random, one zero, a short random tail.
    writeFileSync(file, Buffer.concat([patterned(1 << 20, 1), Buffer.alloc(1 << 20), patterned(300_000, 2)]));
  }
  const settings = resolveSettings({
    flags: { 'data-dir': join(d, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1', 'admin-token': ADMIN, 'client-token': CLIENT, 'image-root': d, ...flags },
  });
  const { factory, runners } = recordingFactory();
  const clock = { t: Date.parse('2026-11-24T00:00:00Z') };
  const { persist, ...options } = extra;
  const database = persist === true || dir !== undefined ? { kind: 'pglite' as const, dataDir: settings.dataDir } : { kind: 'memory' as const };
  const app = await buildApp({ settings, importer: new TestImporter(), runnerFactory: wrap(factory), now: () => clock.t, timers: false, longPollMs, database, ...options });
  await app.ready();
  return { app, runners, clock, dir: d, file };
}

export const admin = { authorization: `Bearer ${ADMIN}` };
export const client = { authorization: `Bearer ${CLIENT}` };

export async function addImage(h: Harness, name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name, file: h.file, ...extra } });
  expect(r.statusCode).toBe(201);
}

export async function ask(h: Harness, image: string, hostname: string, previousReceiverId?: number, remoteAddress?: string): Promise<AgentRequestReply> {
  const r = await h.app.inject({
    method: 'POST',
    ...(remoteAddress ? { remoteAddress } : {}),
    url: '/api/v1/agent/request',
    headers: client,
    payload: { image, hostname, ...(previousReceiverId !== undefined ? { previousReceiverId } : {}) },
  });
  expect(r.statusCode).toBe(200);
  return r.json<AgentRequestReply>();
}


/**
 * `make` for one describe block (same arguments as `harness`): after each test every harness it
 * made is closed (closing twice is harmless, so a test may close one itself to restart on the same
 * data directory), then the data directories are removed.
 */
export function harnessPerTest(): (...args: Parameters<typeof harness>) => Promise<Harness> {
  const open: Harness[] = [];
  afterEach(async () => {
    const made = open.splice(0);
    for (const h of made) await h.app.close().catch(() => undefined);
    for (const h of made) rmSync(h.dir, { recursive: true, force: true });
  });
  return async (...args) => {
    const h = await harness(...args);
    open.push(h);
    return h;
  };
}
