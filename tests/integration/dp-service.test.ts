// castpoint-dp as a service: `install-service` from the built bundle writes a unit that systemd
// accepts, and a running DP reloads on SIGHUP (what `systemctl reload` sends): rotated tokens
// take effect, start-only settings are named as needing a restart, a broken config is refused
// with the running settings kept, and the DP goes on serving throughout.
// No session runs: the DP only listens for HTTP on 127.0.0.1 here.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const DP = process.env['CASTPOINT_DP_MAIN'] ?? path.resolve(__dirname, '../../dist/apps/dp-server/main.cjs');
const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('castpoint-dp as a systemd service', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(DP)) throw new Error(`${DP} is missing: run \`npm run build\` first`);
    dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-svc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  (SYSTEMD_ANALYZE ? it : it.skip)('install-service writes a unit for this bundle that systemd-analyze verify accepts (skipped without systemd-analyze)', () => {
    const run = spawnSync(process.execPath, [DP, 'install-service', '--unit-dir', path.join(dir, 'units'), '--config', path.join(dir, 'etc', 'dp.conf'), '--mcast-interface', '10.0.0.5'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const unitPath = path.join(dir, 'units', 'castpoint-dp.service');
    expect(readFileSync(unitPath, 'utf8')).toContain(`ExecStart=${process.execPath} ${DP} serve --config ${path.join(dir, 'etc', 'dp.conf')}\n`);
    const verify = spawnSync(SYSTEMD_ANALYZE ?? '', ['verify', unitPath], { encoding: 'utf8' });
    expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
    const dry = spawnSync(process.execPath, [DP, 'install-service', '--dry-run', '--unit-dir', path.join(dir, 'dry'), '--config', path.join(dir, 'etc', 'dp.conf')], { encoding: 'utf8' });
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('ExecReload=/bin/kill -HUP $MAINPID');
    expect(existsSync(path.join(dir, 'dry'))).toBe(false);
  });

  it('reloads on SIGHUP: rotated tokens at once, restart-only settings named, a broken config refused', async () => {
    const viewerFile = path.join(dir, 'viewer.token');
    const writeToken = (t: string): void => {
      writeFileSync(viewerFile, `${t}\n`);
      chmodSync(viewerFile, 0o600);
    };
    writeToken('viewer-token-before-reload-01');
    const conf = path.join(dir, 'dp.conf');
    const config = (extra: Record<string, unknown> = {}): void =>
      writeFileSync(conf, JSON.stringify({ 'data-dir': path.join(dir, 'data'), listen: '127.0.0.1:0', 'mcast-interface': '127.0.0.1', 'viewer-token-file': viewerFile, ...extra }));
    config();
    const child = spawn(process.execPath, [DP, 'serve', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lineWith = async (text: string, from = 0): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 200; i++) {
        const line = out.slice(from).split('\n').find((l) => l.includes(text));
        if (line) return JSON.parse(line) as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no log line with "${text}" in: ${out}`);
    };
    try {
      const url = (await lineWith('castpoint-dp listening'))['url'] as string;
      const statusWith = async (token: string): Promise<number> => (await fetch(`${url}/api/v1/sessions`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await statusWith('viewer-token-before-reload-01')).toBe(200);
      writeToken('viewer-token-after-reload-002');
      config({ 'max-rate': '100mbit' });
      let mark = out.length;
      child.kill('SIGHUP');
      expect((await lineWith('reloaded:', mark))['msg']).toBe('reloaded: viewer token changed');
      // A max-rate set where there was none also moves where sessions start (start-rate auto).
      expect((await lineWith('take a restart', mark))['needRestart']).toEqual(['max-rate', 'start-rate']);
      expect(await statusWith('viewer-token-before-reload-01')).toBe(403);
      expect(await statusWith('viewer-token-after-reload-002')).toBe(200);
      // A config that does not parse: refused, the running settings stay.
      writeFileSync(conf, '{ "listen": ');
      mark = out.length;
      child.kill('SIGHUP');
      expect((await lineWith('reload refused', mark))['msg']).toMatch(/^reload refused, the running settings are kept: config file .* is not valid JSON/);
      expect(await statusWith('viewer-token-after-reload-002')).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"state saved"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
