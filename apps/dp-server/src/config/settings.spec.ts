import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCastpointError } from '@castpoint/wire';
import { formatIpv4, parseGroupRange, parseListen, parsePortRange, parseRate } from './parse';
import { checkMcastInterfaceHere, readConfigFile, resolveSettings } from './settings';

const base = { 'data-dir': '/var/lib/castpoint', listen: '0.0.0.0:8080', 'mcast-interface': '10.0.0.5' };

describe('parseRate', () => {
  it.each([
    ['500mbit', 62_500_000],
    ['1gbit', 125_000_000],
    ['80mbyte', 80_000_000],
    ['1.5gbit', 187_500_000],
    ['64kbit', 8000],
    ['2 MBYTE', 2_000_000],
  ])('%s is %d bytes/s', (text, bps) => {
    expect(parseRate(text)).toBe(bps);
  });

  it.each(['', 'fast', '500', 'mbit', '500mbits', '-1gbit', '1bit'])('rejects %j with DP_BAD_SETTING', (text) => {
    expect(() => parseRate(text)).toThrow(expect.objectContaining({ code: 'DP_BAD_SETTING' }));
  });
});

describe('address settings', () => {
  it('parses group ranges inside 224.0.0.0/4 only', () => {
    const r = parseGroupRange('239.255.0.0/16');
    expect(formatIpv4(r.base)).toBe('239.255.0.0');
    expect(r.size).toBe(65536);
    for (const bad of ['10.0.0.0/8', '239.255.0.1/16', '224.0.0.0/24', '239.255.0.0', '240.0.0.0/8', '239.300.0.0/16']) {
      expect(() => parseGroupRange(bad)).toThrow(/group-range/);
    }
  });

  it('parses port ranges and listen addresses', () => {
    expect(parsePortRange('63000-64000')).toEqual({ low: 63000, high: 64000 });
    expect(() => parsePortRange('64000-63000')).toThrow(/port-range/);
    expect(() => parsePortRange('80-90')).toThrow(/port-range/);
    expect(parseListen('10.77.0.1:8080')).toEqual({ host: '10.77.0.1', port: 8080 });
    expect(() => parseListen('8080')).toThrow(/listen/);
    expect(() => parseListen('host:99999')).toThrow(/listen/);
  });
});

describe('resolveSettings', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'cp-dp-cfg-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('applies the documented defaults', () => {
    const s = resolveSettings({ flags: base });
    expect(s).toMatchObject({ portRange: { low: 63000, high: 64000 }, ttl: 1, maxClients: 200, maxRateBps: 125_000_000, mcastInterface: '10.0.0.5' });
    expect(formatIpv4(s.groupRange.base)).toBe('239.255.0.0');
    expect(s.adminToken).toBeUndefined();
  });

  it('keeps a silent receiver 5 s by default; --receiver-silence takes 1-600 s (slow machines)', () => {
    expect(resolveSettings({ flags: base }).receiverSilenceSeconds).toBe(5);
    expect(resolveSettings({ flags: { ...base, 'receiver-silence': '30' } }).receiverSilenceSeconds).toBe(30);
    expect(resolveSettings({ flags: base, env: { CASTPOINT_RECEIVER_SILENCE: '12' } }).receiverSilenceSeconds).toBe(12);
    expect(() => resolveSettings({ flags: { ...base, 'receiver-silence': '0' } })).toThrow(/receiver-silence/);
  });

  it('takes compress-level off or 1-22 (absent: the catalog default, 3), by flag, env or config file', () => {
    expect(resolveSettings({ flags: base }).compressLevel).toBeUndefined();
    expect(resolveSettings({ flags: { ...base, 'compress-level': '19' } }).compressLevel).toBe(19);
    expect(resolveSettings({ flags: base, env: { CASTPOINT_COMPRESS_LEVEL: 'off' } }).compressLevel).toBe('off');
    expect(resolveSettings({ flags: base, file: { 'compress-level': 1 } }).compressLevel).toBe(1);
    for (const bad of ['0', '23', 'fast', '3.5']) {
      expect(() => resolveSettings({ flags: { ...base, 'compress-level': bad } })).toThrow(expect.objectContaining({ code: 'DP_BAD_SETTING' }));
    }
  });

  it('picks symbol sizes per session by default; --symbol-size takes auto or a number of bytes', () => {
    expect(resolveSettings({ flags: base }).symbolSize).toBe('auto');
    expect(resolveSettings({ flags: { ...base, 'symbol-size': '8900' } }).symbolSize).toBe(8900);
    expect(resolveSettings({ flags: base, env: { CASTPOINT_SYMBOL_SIZE: '1400' } }).symbolSize).toBe(1400);
    expect(() => resolveSettings({ flags: { ...base, 'symbol-size': 'jumbo' } })).toThrow(/symbol-size must be auto or an integer from 256 to 65457/);
    expect(() => resolveSettings({ flags: { ...base, 'symbol-size': '100' } })).toThrow(/symbol-size/);
    expect(() => resolveSettings({ flags: { ...base, 'symbol-size': '65458' } })).toThrow(/symbol-size/);
  });

  it('starts sessions at a max-rate the admin set, and probes up to the default cap (start-rate auto)', () => {
    expect(resolveSettings({ flags: base }).startRate).toBe('probe');
    expect(resolveSettings({ flags: { ...base, 'max-rate': '475mbit' } }).startRate).toBe('cap');
    expect(resolveSettings({ flags: base, env: { CASTPOINT_MAX_RATE: '100mbit' } }).startRate).toBe('cap');
    expect(resolveSettings({ flags: base, file: { 'max-rate': '300mbit' } }).startRate).toBe('cap');
    // Setting the default's own value is still a choice made for this network.
    expect(resolveSettings({ flags: { ...base, 'max-rate': '1gbit' } }).startRate).toBe('cap');
    expect(resolveSettings({ flags: base, env: { CASTPOINT_MAX_RATE: '' } }).startRate).toBe('probe');
    // Named outright, either way, whatever max-rate is.
    expect(resolveSettings({ flags: { ...base, 'max-rate': '475mbit', 'start-rate': 'probe' } }).startRate).toBe('probe');
    expect(resolveSettings({ flags: { ...base, 'start-rate': 'cap' } }).startRate).toBe('cap');
    expect(resolveSettings({ flags: base, env: { CASTPOINT_START_RATE: 'probe' }, file: { 'max-rate': '300mbit' } }).startRate).toBe('probe');
    for (const bad of ['fast', 'max', 'CAP']) {
      expect(() => resolveSettings({ flags: { ...base, 'start-rate': bad } })).toThrow(expect.objectContaining({ code: 'DP_BAD_SETTING', message: `start-rate must be auto, cap or probe, got "${bad}"` }));
    }
  });

  it('lets env win over the config file and flags win over env', () => {
    const dir = tempDir();
    const file = join(dir, 'dp.json');
    writeFileSync(file, JSON.stringify({ ...base, ttl: 4, maxClients: 10, 'max-rate': '100mbit' }));
    const s = resolveSettings({
      file: readConfigFile(file),
      env: { CASTPOINT_TTL: '8', CASTPOINT_MAX_CLIENTS: '20' },
      flags: { 'max-clients': '30' },
    });
    expect(s.ttl).toBe(8);
    expect(s.maxClients).toBe(30);
    expect(s.maxRateBps).toBe(12_500_000);
  });

  it('names what is missing or wrong', () => {
    expect(() => resolveSettings({ flags: { listen: '0.0.0.0:1', 'mcast-interface': '10.0.0.1' } })).toThrow(/data-dir is required/);
    expect(() => resolveSettings({ flags: { ...base, 'mcast-interface': 'eth0' } })).toThrow(/mcast-interface/);
    for (const a of ['0.0.0.0', '239.1.1.1', '255.255.255.255']) {
      expect(() => resolveSettings({ flags: { ...base, 'mcast-interface': a } })).toThrow(new RegExp(`mcast-interface ${a.replace(/\./g, '\\.')} must be an IPv4 address of this host's LAN interface`));
    }
    expect(() => resolveSettings({ flags: { ...base, 'admin-token': 'same-token-0123456789', 'client-token': 'same-token-0123456789' } })).toThrow(/admin-token and client-token must differ/);
    expect(() => resolveSettings({ flags: { ...base, ttl: '0' } })).toThrow(/ttl/);
    expect(() => resolveSettings({ flags: { ...base, 'admin-token': 'short' } })).toThrow(/admin-token/);
  });

  it('rejects unknown keys and bad JSON in the config file', () => {
    const dir = tempDir();
    const a = join(dir, 'a.json');
    writeFileSync(a, JSON.stringify({ 'data-dri': '/x' }));
    expect(() => readConfigFile(a)).toThrow(/unknown setting "data-dri"/);
    const b = join(dir, 'b.json');
    writeFileSync(b, '{ nope');
    let err: unknown;
    try {
      readConfigFile(b);
    } catch (e) {
      err = e;
    }
    expect(isCastpointError(err, 'DP_BAD_CONFIG_FILE')).toBe(true);
  });
});

describe('checkMcastInterfaceHere', () => {
  const nics = { lo: [{ address: '127.0.0.1', family: 'IPv4' }], eth0: [{ address: '10.0.0.5', family: 'IPv4' }, { address: 'fe80::1', family: 'IPv6' }] };
  it('accepts an address of this host and names the ones it has otherwise', () => {
    expect(() => checkMcastInterfaceHere('10.0.0.5', nics)).not.toThrow();
    expect(() => checkMcastInterfaceHere('10.9.9.9', nics)).toThrow('mcast-interface 10.9.9.9 is not an address of this host; it has 127.0.0.1 (lo), 10.0.0.5 (eth0)');
  });
});

describe('image-root setting', () => {
  it('defaults to DATA_DIR/images', () => {
    expect(resolveSettings({ flags: base }).imageRoots).toEqual(['/var/lib/castpoint/images']);
  });

  it('is repeatable as a flag, a list in the environment (":") and in the config file; the last layer naming any wins', () => {
    expect(resolveSettings({ flags: { ...base, 'image-root': ['/srv/a', '/srv/b'] } }).imageRoots).toEqual(['/srv/a', '/srv/b']);
    expect(resolveSettings({ flags: base, env: { CASTPOINT_IMAGE_ROOT: '/srv/c:/srv/d' } }).imageRoots).toEqual(['/srv/c', '/srv/d']);
    expect(resolveSettings({ file: { ...base, 'image-root': ['/srv/e'] } }).imageRoots).toEqual(['/srv/e']);
    expect(resolveSettings({ file: { ...base, 'image-root': '/srv/e' }, env: { CASTPOINT_IMAGE_ROOT: '/srv/c' }, flags: { 'image-root': ['/srv/f'] } }).imageRoots).toEqual(['/srv/f']);
    expect(() => resolveSettings({ file: { ...base, 'image-root': [5] } })).toThrow(/image-root \(config file\): expected directory paths/);
  });
});
