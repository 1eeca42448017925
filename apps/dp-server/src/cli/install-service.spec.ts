import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, resolveSettings } from '../config/settings';
import { installService, serviceUnit, UNIT_NAME } from './install-service';

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('castpoint-dp install-service', () => {
  let dir: string;
  const out: string[] = [];
  const io = { out: (t: string) => void out.push(t) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cp-dp-svc-'));
    out.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = (extra: Partial<Parameters<typeof installService>[0]> = {}) => ({
    unitDir: join(dir, 'systemd'),
    config: join(dir, 'etc', 'dp.conf'),
    mcastInterface: '10.0.0.5',
    listen: '0.0.0.0:8080',
    dryRun: false,
    node: process.execPath,
    bundle: join(dir, 'main.cjs'),
    ...extra,
  });

  it('writes a unit that starts serve with the config, reloads by SIGHUP and logs to the journal, and a config serve reads', () => {
    installService(args(), io);
    const unit = readFileSync(join(dir, 'systemd', UNIT_NAME), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} ${join(dir, 'main.cjs')} serve --config ${join(dir, 'etc', 'dp.conf')}\n`);
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID\n');
    expect(unit).toContain('StandardOutput=journal\n');
    expect(unit).toContain('DynamicUser=yes\n');
    const settings = resolveSettings({ file: readConfigFile(join(dir, 'etc', 'dp.conf')) });
    expect(settings).toMatchObject({ dataDir: '/var/lib/castpoint', mcastInterface: '10.0.0.5', listen: { host: '0.0.0.0', port: 8080 } });
    expect(out.join('')).toContain('systemctl daemon-reload && systemctl enable --now castpoint-dp.service');
  });

  it('keeps an existing config, and needs --mcast-interface only to write a new one', () => {
    writeFileSync(join(dir, 'mine.conf'), '{"listen": "10.0.0.5:80"}');
    installService(args({ config: join(dir, 'mine.conf'), mcastInterface: undefined }), io);
    expect(readFileSync(join(dir, 'mine.conf'), 'utf8')).toBe('{"listen": "10.0.0.5:80"}');
    expect(out.join('')).toContain(`kept ${join(dir, 'mine.conf')} (it exists)`);
    expect(() => installService(args({ mcastInterface: undefined }), io)).toThrow(/give --mcast-interface/);
    expect(() => installService(args({ mcastInterface: '10.0.0.300' }), io)).toThrow(/mcast-interface/);
    expect(existsSync(join(dir, 'etc', 'dp.conf'))).toBe(false);
  });

  it('--dry-run prints the unit and the config and writes nothing', () => {
    installService(args({ dryRun: true, user: 'castpoint' }), io);
    expect(existsSync(join(dir, 'systemd'))).toBe(false);
    expect(existsSync(join(dir, 'etc'))).toBe(false);
    const printed = out.join('');
    expect(printed).toContain(`# ${join(dir, 'systemd', UNIT_NAME)}\n`);
    expect(printed).toContain('User=castpoint\n');
    expect(printed).toContain('"mcast-interface": "10.0.0.5"');
  });

  it('quotes arguments with spaces for systemd', () => {
    expect(serviceUnit({ node: '/opt/node js/node', bundle: '/srv/c p/main.cjs', configPath: '/etc/castpoint/dp.conf' })).toContain('ExecStart="/opt/node js/node" "/srv/c p/main.cjs" serve --config /etc/castpoint/dp.conf\n');
  });

  (SYSTEMD_ANALYZE ? it : it.skip)('passes systemd-analyze verify (skipped when systemd-analyze is absent)', () => {
    writeFileSync(join(dir, 'main.cjs'), '');
    installService(args(), io);
    // verify exits 1 on errors in the unit and prints warnings (an unknown key, say) to stderr.
    const res = spawnSync(SYSTEMD_ANALYZE ?? '', ['verify', join(dir, 'systemd', UNIT_NAME)], { encoding: 'utf8' });
    expect({ status: res.status, stderr: res.stderr, stdout: res.stdout }).toEqual({ status: 0, stderr: '', stdout: '' });
  });
});
