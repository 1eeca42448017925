// `castpoint-dp image add|list|set|rm` against an in-process DP (fetch answered by inject()).
import { ADMIN, harnessPerTest, type Harness } from '../testing/harness';
import { testIo, type TestIo } from '../testing/cli-io';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@castpoint/wire';
import { chunkingImporter } from '../images/chunking-importer';
import { imageAdd, imageList, imageRemove, imageSet } from './image-commands';

const api = { server: 'http://dp.test:8080', token: ADMIN };
const SIZE = 2 * (1 << 20) + 300_000;

describe('castpoint-dp image commands', () => {
  const make = harnessPerTest();
  const setup = async (opts?: Parameters<typeof testIo>[1]): Promise<{ h: Harness; io: TestIo }> => {
    const h = await make();
    return { h, io: testIo(h.app, opts) };
  };
  const settingsOf = async (h: Harness, name: string): Promise<Record<string, unknown>> =>
    (await h.app.inject({ method: 'GET', url: `/api/v1/images/${name}`, headers: { authorization: `Bearer ${ADMIN}` } })).json<{ settings: Record<string, unknown> }>().settings;

  it('image add prints the size in words and bytes, the chunks and how long the import took', async () => {
    const { h, io } = await setup({ step: 8800 });
    await imageAdd({ ...api, name: 'win11', file: h.file }, io);
    expect(io.stdout.join('')).toMatch(new RegExp(`^added image win11: 2\\.3 MiB \\(${SIZE} bytes\\), 3 chunks, imported in 8\\.8 s; manifest [0-9a-f]{64}\\n$`));
    // Not a terminal: nothing drawn on stderr.
    expect(io.stderr).toEqual([]);
  });

  it('image add draws an elapsed-time line on a terminal while the DP imports, and erases it', async () => {
    const { h, io } = await setup({ errIsTty: true, step: 1000 });
    await imageAdd({ ...api, name: 'win11', file: h.file }, io);
    const err = io.stderr.join('');
    // Drawn at once (the clock steps 1 s per reading), then erased: the final line stays alone.
    expect(err).toContain(`| importing win11 from ${h.file}: 1.0 s`);
    expect(err.endsWith('\r\x1b[K')).toBe(true);
    expect(io.ticking.size).toBe(0);
  });

  it('image add compresses with zstd by default (level 3), --compress-level N at that level, --no-compress not at all', async () => {
    const h = await make({}, undefined, undefined, 0, { importer: chunkingImporter() });
    const io = testIo(h.app);
    const manifestOf = async (name: string): Promise<Manifest> => {
      const rec = (await h.app.inject({ method: 'GET', url: `/api/v1/images/${name}`, headers: { authorization: `Bearer ${ADMIN}` } })).json<{ manifestHash: string }>();
      return JSON.parse(readFileSync(join(h.dir, 'data', 'manifests', `${rec.manifestHash}.json`), 'utf8')) as Manifest;
    };
    await imageAdd({ ...api, name: 'packed', file: h.file, compress: true, 'compress-level': 9 }, io);
    await imageAdd({ ...api, name: 'packed-default', file: h.file, compress: true }, io);
    await imageAdd({ ...api, name: 'default', file: h.file }, io);
    await imageAdd({ ...api, name: 'plain', file: h.file, compress: false }, io);
    expect((await manifestOf('packed')).compression?.level).toBe(9);
    expect((await manifestOf('packed-default')).compression?.level).toBe(3);
    expect((await manifestOf('default')).compression?.level).toBe(3);
    expect((await manifestOf('plain')).compression).toBeUndefined();
  });

  it('image add refuses a bad name, a non-number and a clearing word before the DP is asked', async () => {
    const { h, io } = await setup();
    await expect(imageAdd({ ...api, name: 'my image', file: h.file }, io)).rejects.toThrow(
      `bad image name "my image": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    );
    await expect(imageAdd({ ...api, name: 'x', file: h.file, mode: 'scheduled', 'min-clients': 'abc' }, io)).rejects.toThrow('--min-clients: expected a whole number (got "abc")');
    await expect(imageAdd({ ...api, name: 'x', file: h.file, mode: 'scheduled', 'max-wait': 'none' }, io)).rejects.toThrow('--max-wait: expected a whole number (got "none")');
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/images', headers: { authorization: `Bearer ${ADMIN}` } })).json()).toEqual([]);
  });

  it('image list shows human sizes (raw with --bytes), the schedule, encryption and slow-client policy', async () => {
    const { h, io } = await setup();
    await imageAdd({ ...api, name: 'win11', file: h.file, encrypt: true, mode: 'scheduled', 'min-clients': '5', 'max-wait': '600', 'slow-policy': 'tiers' }, io);
    await imageAdd({ ...api, name: 'plain', file: h.file }, io);
    io.stdout.length = 0;
    await imageList(api, io);
    const lines = io.stdout.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +KIND +SIZE +CHUNKS +MODE +START +ENCRYPT +SLOW-POLICY +MULTICAST-ONLY +STATE +FILE$/);
    expect(lines[1]).toMatch(/^plain +disk +2\.3 MiB +3 +autocast +- +no +same-speed +no +ok +\//);
    expect(lines[2]).toMatch(/^win11 +disk +2\.3 MiB +3 +scheduled +5 clients, max wait 600 s +aes-gcm +tiers +no +ok +\//);
    io.stdout.length = 0;
    await imageList({ ...api, bytes: true }, io);
    expect(io.stdout.join('')).toMatch(new RegExp(`\\nplain +disk +${SIZE} +3 `));
  });

  it('image set changes settings in place through PATCH, keeps the ones not named, and "none" clears one', async () => {
    const { h, io } = await setup();
    await imageAdd({ ...api, name: 'win11', file: h.file, mode: 'scheduled', 'min-clients': '3', 'start-delay': '60' }, io);
    io.stdout.length = 0;
    await imageSet({ ...api, name: 'win11', 'min-clients': '10', encrypt: true, 'slow-policy': 'disconnect:2000', 'multicast-only': true }, io);
    expect(io.stdout.join('')).toBe('image win11: mode scheduled (start: 10 clients or 60 s after the first), encrypt yes, slow-policy disconnect:2000, multicast-only yes\n');
    expect(await settingsOf(h, 'win11')).toEqual({ mode: 'scheduled', minClients: 10, startDelaySec: 60, encrypt: true, multicastOnly: true, slowPolicy: { kind: 'disconnect', kbps: 2000 } });
    await imageSet({ ...api, name: 'win11', 'start-delay': 'none', encrypt: false }, io);
    expect(await settingsOf(h, 'win11')).toEqual({ mode: 'scheduled', minClients: 10, encrypt: false, multicastOnly: true, slowPolicy: { kind: 'disconnect', kbps: 2000 } });
    await imageSet({ ...api, name: 'win11', mode: 'autocast' }, io);
    expect(await settingsOf(h, 'win11')).toEqual({ mode: 'autocast', encrypt: false, multicastOnly: true, slowPolicy: { kind: 'disconnect', kbps: 2000 } });
  });

  it("image set refuses no setting, and passes the DP's refusal on", async () => {
    const { h, io } = await setup();
    await imageAdd({ ...api, name: 'win11', file: h.file }, io);
    await expect(imageSet({ ...api, name: 'win11' }, io)).rejects.toThrow(/^image set: name a setting to change: --mode/);
    await expect(imageSet({ ...api, name: 'win11', 'min-clients': '3' }, io)).rejects.toMatchObject({ code: 'DP_API', message: expect.stringContaining('need --mode scheduled') });
    await expect(imageSet({ ...api, name: 'nope', encrypt: true }, io)).rejects.toMatchObject({ code: 'DP_API', message: expect.stringContaining('404 DP_IMAGE_NOT_FOUND no image named nope') });
  });

  it('image rm removes the image', async () => {
    const { h, io } = await setup();
    await imageAdd({ ...api, name: 'win11', file: h.file }, io);
    await imageRemove({ ...api, name: 'win11' }, io);
    expect(io.stdout.at(-1)).toBe('removed image win11\n');
  });
});
