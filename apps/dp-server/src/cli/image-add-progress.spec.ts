// An import the DP is still reading: GET /api/v1/imports says how far it got, and `image add` on a
// terminal shows it. The importer is held at a gate after its first report (a deterministic
// "meanwhile"; no wall-clock waits).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSettings } from '../config/settings';
import { buildApp, type DpApp } from '../http/app';
import type { ImageImporter } from '../images/importer';
import { testIo } from '../testing/cli-io';
import { recordingFactory, TestImporter } from '../testing/fakes';
import { ADMIN, patterned } from '../testing/harness';
import { imageAdd } from './image-commands';

const SIZE = 3 << 20;
const admin = { authorization: `Bearer ${ADMIN}` };

/** Reports a third of the file, then waits for `release()`, then imports it for real. */
function gatedImporter(): { importer: ImageImporter; reached: Promise<void>; release: () => void } {
  const real = new TestImporter();
  let reachedGate!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (reachedGate = r));
  const gate = new Promise<void>((r) => (open = r));
  return {
    reached,
    release: () => open(),
    importer: {
      async importImage(file, onProgress) {
        onProgress?.(1 << 20, SIZE);
        reachedGate();
        await gate;
        return real.importImage(file, onProgress);
      },
      assertUnchanged: (file, manifest, mtimeMs) => real.assertUnchanged(file, manifest, mtimeMs),
    },
  };
}

/** Lets pending promise callbacks and inject()'s work run (event-loop turns, not time). */
async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !until(); i++) await new Promise((r) => setImmediate(r));
}

describe('an import under way', () => {
  let dir: string;
  let app: DpApp | undefined;
  let file: string;
  const start = async (importer: ImageImporter): Promise<DpApp> => {
    const settings = resolveSettings({
      flags: { 'data-dir': join(dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1', 'admin-token': ADMIN, 'client-token': 'client-token-for-tests-001', 'image-root': dir },
    });
    app = await buildApp({ settings, importer, runnerFactory: recordingFactory().factory, timers: false, longPollMs: 0 });
    await app.ready();
    return app;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-import-'));
    file = join(dir, 'disk.img');
    writeFileSync(file, patterned(SIZE, 3));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is listed by GET /api/v1/imports with bytes read of the size, and gone once added', async () => {
    const g = gatedImporter();
    const a = await start(g.importer);
    const adding = a.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'win11', file } });
    await g.reached;
    const during = await a.inject({ method: 'GET', url: '/api/v1/imports', headers: admin });
    expect(during.statusCode).toBe(200);
    expect(during.json()).toEqual([{ name: 'win11', file, size: SIZE, bytesDone: 1 << 20, startedAt: expect.stringMatching(/^\d{4}-/) }]);
    g.release();
    expect((await adding).statusCode).toBe(201);
    expect((await a.inject({ method: 'GET', url: '/api/v1/imports', headers: admin })).json()).toEqual([]);
    expect((await a.inject({ method: 'GET', url: '/api/v1/imports' })).statusCode).toBe(401);
  });

  it('is gone when the import fails too', async () => {
    const a = await start({
      importImage: async (_f, onProgress) => {
        onProgress?.(1, SIZE);
        throw new Error('disk on fire');
      },
      assertUnchanged: async () => undefined,
    });
    expect((await a.inject({ method: 'POST', url: '/api/v1/images', headers: admin, payload: { name: 'win11', file } })).statusCode).toBe(500);
    expect((await a.inject({ method: 'GET', url: '/api/v1/imports', headers: admin })).json()).toEqual([]);
  });

  it('is shown by image add on a terminal: bytes read of the size, percent and elapsed time', async () => {
    const g = gatedImporter();
    const a = await start(g.importer);
    const io = testIo(a, { errIsTty: true, step: 100 });
    const adding = imageAdd({ server: 'http://dp.test:8080', token: ADMIN, name: 'win11', file }, io);
    await g.reached;
    for (const tick of [...io.ticking]) tick(); // one poll (and a redraw)
    await settle(() => false);
    for (const tick of [...io.ticking]) tick(); // redraw with what the poll learnt
    const drawn = io.stderr.at(-1) ?? '';
    expect(drawn.endsWith('\x1b[K')).toBe(true);
    expect(drawn.slice(0, -3)).toMatch(/^\r. importing win11 from .*disk\.img: 1\.0 MiB of 3\.0 MiB \(33%\), \d+\.\d s$/);
    g.release();
    await adding;
    expect(io.stderr.at(-1)).toBe('\r\x1b[K');
    expect(io.ticking.size).toBe(0);
    expect(io.stdout.join('')).toMatch(/^added image win11: 3\.0 MiB \(3145728 bytes\), 3 chunks, imported in \d+\.\d s; manifest /);
  });
});
