import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addImage, admin, client, harness, type Harness } from '../testing/harness';
import { BootFiles } from './boot-files';
import { BOOT_TOKEN_TTL_MS } from './boot-token';

const files = BootFiles.of({ 'undionly.kpxe': Buffer.from('bios'), 'ipxe.efi': Buffer.from('efi'), 'snponly.efi': Buffer.from('snp') });
const KERNEL = Buffer.from('kernel bytes '.repeat(100));

// One DP for the file (its PGlite store's first open is slow); each test uses its own MACs.
describe('boot routes (/boot/ipxe, /boot/files, boot tokens)', () => {
  let h: Harness;
  let bootenv: string;
  beforeAll(async () => {
    h = await harness({ boot: true, 'boot-interface': '127.0.0.1' }, undefined, undefined, 0, { bootFiles: files });
    bootenv = join(h.dir, 'data', 'bootenv');
    mkdirSync(bootenv, { recursive: true });
    writeFileSync(join(bootenv, 'vmlinuz'), KERNEL);
    writeFileSync(join(bootenv, 'initrd.img'), Buffer.from('initrd'));
    const first = await h.app.inject({ method: 'GET', url: '/api/v1/collections', headers: admin });
    expect(first.statusCode === 200 ? 200 : first.body).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await h?.app.close();
  });

  const inject = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = admin) =>
    h.app.inject({ method, url, headers: { host: '10.77.0.1:8080', ...headers }, ...(payload ? { payload } : {}) });
  const script = async (mac: string) => {
    const r = await inject('GET', `/boot/ipxe?mac=${encodeURIComponent(mac)}&uuid=`, undefined, {});
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    return r.body;
  };
  const tokenIn = (text: string) => /castpoint\.token=(\S+)/.exec(text)?.[1] ?? '';

  it('an unknown machine is registered and boots its disk (policy register-exit)', async () => {
    const text = await script('52:54:00:b0:00:01');
    expect(text).toMatch(/^exit 1$/m);
    expect(text).not.toMatch(/^kernel/m);
    expect((await inject('GET', '/api/v1/machines/unknown-525400b00001')).json()).toMatchObject({ state: 'unknown' });
  });

  it('a pending required deployment boots the boot environment with a boot token; done, it boots the disk', async () => {
    await addImage(h, 'boot-img');
    await inject('POST', '/api/v1/collections', { name: 'boot-lab', rules: ['mac-prefix:52:54:00:b1'] });
    await inject('POST', '/api/v1/deployments', { name: 'boot-dep', image: 'boot-img', collection: 'boot-lab', after: 'reboot' });
    const text = await script('52-54-00-B1-00-01');
    expect(text).toMatch(/^kernel http:\/\/10\.77\.0\.1:8080\/boot\/files\/vmlinuz .*castpoint\.server=http:\/\/10\.77\.0\.1:8080 castpoint\.token=cpb1\.\S+ castpoint\.mac=52:54:00:b1:00:01 .*console=ttyS0/m);
    expect(text).toMatch(/^initrd http:\/\/10\.77\.0\.1:8080\/boot\/files\/initrd\.img$/m);
    expect(text).not.toContain('admin-token');
    const token = { authorization: `Bearer ${tokenIn(text)}` };
    const who = { macs: ['52:54:00:b1:00:01'] };
    expect((await inject('POST', '/api/v1/agent/assignment', who, token)).json()).toMatchObject({ action: 'deploy', deployment: 'boot-dep' });
    const report = { macs: ['52:54:00:b1:00:01'], deployment: 'boot-dep', result: 'ok', startedAt: '2026-11-24T00:00:00Z' };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, token)).statusCode).toBe(204);
    const after = await script('52:54:00:b1:00:01');
    expect(after).toMatch(/^exit 1$/m);
    expect(after).not.toContain('cpb1');
  });

  it('a boot token acts for its own machine only, never as admin, and expires', async () => {
    await inject('POST', '/api/v1/collections', { name: 'boot-lab2', rules: ['mac-prefix:52:54:00:b2'] });
    await inject('POST', '/api/v1/deployments', { name: 'boot-dep2', image: 'boot-img', collection: 'boot-lab2', after: 'reboot' });
    const token = { authorization: `Bearer ${tokenIn(await script('52:54:00:b2:00:01'))}` };
    const other = await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:b2:00:02'] }, token);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'DP_BOOT_TOKEN', message: expect.stringContaining('issued to 52:54:00:b2:00:01') });
    const report = { macs: ['52:54:00:b2:00:02'], deployment: 'boot-dep2', result: 'ok', startedAt: '2026-11-24T00:00:00Z' };
    expect((await inject('POST', '/api/v1/agent/assignment/report', report, token)).statusCode).toBe(403);
    expect((await inject('GET', '/api/v1/machines', undefined, token)).statusCode).toBe(403);
    // Session requests take it like the client token (this image exists: a join or wait, not 401/403).
    const ask = await inject('POST', '/api/v1/agent/request', { image: 'boot-img', hostname: 'b2' }, token);
    expect(ask.statusCode).toBe(200);
    h.clock.t += BOOT_TOKEN_TTL_MS;
    const late = await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:b2:00:01'] }, token);
    expect(late.statusCode).toBe(403);
    expect(late.json<{ message: string }>().message).toMatch(/expired/);
    h.clock.t -= BOOT_TOKEN_TTL_MS;
    // A forged one is refused whatever it claims.
    const forged = tokenIn(await script('52:54:00:b2:00:01')).replace('525400b20001', '525400b20002');
    expect((await inject('POST', '/api/v1/agent/assignment', { macs: ['52:54:00:b2:00:02'] }, { authorization: `Bearer ${forged}` })).statusCode).toBe(403);
  });

  it('available deployments come as a menu that boots the disk after a timeout', async () => {
    await inject('POST', '/api/v1/collections', { name: 'boot-lab3', rules: ['mac-prefix:52:54:00:b3'] });
    await inject('POST', '/api/v1/deployments', { name: 'boot-rescue', image: 'boot-img', collection: 'boot-lab3', purpose: 'available', after: 'reboot' });
    const text = await script('52:54:00:b3:00:01');
    expect(text).toMatch(/^item d0 boot-rescue$/m);
    expect(text).toMatch(/^choose --timeout \d+ --default disk target/m);
    expect(text).toMatch(/castpoint\.choose=boot-rescue/);
  });

  it('serves the kernel and initramfs, refuses other names, and says why when one is missing', async () => {
    const k = await inject('GET', '/boot/files/vmlinuz', undefined, {});
    expect(k.statusCode).toBe(200);
    expect(Buffer.compare(k.rawPayload, KERNEL)).toBe(0);
    expect((await inject('GET', '/boot/files/..%2fstate.json', undefined, {})).statusCode).toBe(400);
    expect((await inject('GET', '/boot/files/state.json', undefined, {})).statusCode).toBe(400);
    rmSync(join(bootenv, 'initrd.img'));
    try {
      const r = await inject('GET', '/boot/files/initrd.img', undefined, {});
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ error: 'DP_BOOTENV_MISSING' });
      // A pending deployment without a boot environment boots the disk, with the reason on screen.
      const text = await script('52:54:00:b1:00:09');
      expect(text).toMatch(/^exit 1$/m);
    } finally {
      writeFileSync(join(bootenv, 'initrd.img'), Buffer.from('initrd'));
    }
  });

  it('refuses a bad MAC with 400 and counts scripts in the metrics', async () => {
    const bad = await inject('GET', '/boot/ipxe?mac=zz:zz:zz:zz:zz:zz', undefined, {});
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'DP_BAD_MAC' });
    const m = (await inject('GET', '/metrics')).body;
    expect(m).toMatch(/castpoint_dp_boot_scripts_total\{outcome="bootenv"\} [1-9]/);
    expect(m).toMatch(/castpoint_dp_boot_scripts_total\{outcome="exit"\} [1-9]/);
  });
});

describe('without --boot, and at start', () => {
  it('has no /boot routes and accepts no boot token', async () => {
    const h = await harness();
    try {
      expect((await h.app.inject({ method: 'GET', url: '/boot/ipxe?mac=52:54:00:00:00:01' })).statusCode).toBe(404);
      const r = await h.app.inject({ method: 'POST', url: '/api/v1/agent/request', headers: { authorization: 'Bearer cpb1.525400000001.zzzzzz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, payload: { image: 'x', hostname: 'h' } });
      expect(r.statusCode).toBe(403);
      expect(client.authorization).not.toContain('cpb1');
    } finally {
      await h.app.close();
    }
  });

  it('/boot routes count against the per-source agent rate limit (they need no token)', async () => {
    const h = await harness({ boot: true, 'boot-interface': '127.0.0.1', 'agent-rate-limit': '2' }, undefined, undefined, 0, { bootFiles: files });
    try {
      const get = () => h.app.inject({ method: 'GET', url: '/boot/files/vmlinuz' });
      expect((await get()).statusCode).toBe(503);
      expect((await get()).statusCode).toBe(503);
      expect((await get()).statusCode).toBe(429);
    } finally {
      await h.app.close();
    }
  });

  it('with --boot and no iPXE files, the start stops naming the ipxe package', async () => {
    await expect(harness({ boot: true, 'ipxe-dir': '/nonexistent-ipxe' })).rejects.toMatchObject({ code: 'DP_BOOT_FILES_MISSING', message: expect.stringContaining('ipxe package') });
  });
});
