import { AgentError } from './errors';
import { DEFAULT_DP_PATIENCE_MS, DEFAULT_SILENCE_TIMEOUT_MS, defaultStateDir, validateDeployOptions, type RawDeployArgs } from './options';

const ctx = { env: {}, stdoutIsTty: true, cwd: '/work' };
const base: RawDeployArgs = { server: 'http://10.0.0.5:8080/', image: 'win11', target: 'out/disk.img' };

function usageOf(raw: RawDeployArgs, c = ctx): string {
  try {
    validateDeployOptions(raw, c);
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('usage');
    return (err as AgentError).message;
  }
  throw new Error('expected a usage error');
}

describe('validateDeployOptions', () => {
  it('fills defaults: absolute target, state dir beside it, tty output, no token', () => {
    const o = validateDeployOptions(base, ctx);
    expect(o).toEqual({
      server: 'http://10.0.0.5:8080',
      image: 'win11',
      target: '/work/out/disk.img',
      stateDir: '/work/out/.castpoint-disk.img.state',
      stateDirGiven: false,
      output: 'tty',
      noFallback: false,
      silenceTimeoutMs: DEFAULT_SILENCE_TIMEOUT_MS,
      dpPatienceMs: DEFAULT_DP_PATIENCE_MS,
      readBack: false,
      directIo: true,
      verbose: false,
      stagingDir: '/work/out/.castpoint-disk.img.state.staging',
    });
  });

  it("puts a WIM's staging dir beside the state dir unless --staging-dir names one (relative to the cwd)", () => {
    expect(validateDeployOptions({ ...base, stateDir: '/mnt/usb/state' }, ctx).stagingDir).toBe('/mnt/usb/state.staging');
    expect(validateDeployOptions({ ...base, stagingDir: 'stage' }, ctx).stagingDir).toBe('/work/stage');
  });

  it('takes the token from CASTPOINT_TOKEN unless --token is given', () => {
    expect(validateDeployOptions(base, { ...ctx, env: { CASTPOINT_TOKEN: 'env-t' } }).token).toBe('env-t');
    expect(validateDeployOptions({ ...base, token: 'flag-t' }, { ...ctx, env: { CASTPOINT_TOKEN: 'env-t' } }).token).toBe('flag-t');
    expect(validateDeployOptions(base, { ...ctx, env: { CASTPOINT_TOKEN: '  ' } }).token).toBeUndefined();
  });

  it('uses JSON lines with --json or when stdout is not a terminal', () => {
    expect(validateDeployOptions({ ...base, json: true }, ctx).output).toBe('json');
    expect(validateDeployOptions(base, { ...ctx, stdoutIsTty: false }).output).toBe('json');
  });

  it('reads --interface, --state-dir, --no-fallback and the timeouts', () => {
    const o = validateDeployOptions(
      { ...base, interface: '10.0.0.9', stateDir: '/mnt/usb/state', noFallback: true, silenceTimeout: 2.5, dpPatience: '30', readBack: true, directIo: false },
      ctx,
    );
    expect(o.interface).toBe('10.0.0.9');
    expect(o.stateDir).toBe('/mnt/usb/state');
    expect(o.stateDirGiven).toBe(true);
    expect(o.noFallback).toBe(true);
    expect(o.silenceTimeoutMs).toBe(2500);
    expect(o.dpPatienceMs).toBe(30_000);
    expect(o.readBack).toBe(true);
    expect(o.directIo).toBe(false);
  });

  it('takes --interface as an interface name too (eth0, a Windows "Ethernet 2")', () => {
    expect(validateDeployOptions({ ...base, interface: 'eth0' }, ctx).interface).toBe('eth0');
    expect(validateDeployOptions({ ...base, interface: 'Ethernet 2' }, ctx).interface).toBe('Ethernet 2');
  });

  it.each<[string, RawDeployArgs, RegExp]>([
    ['missing server', { image: 'a', target: 't' }, /--server is required/],
    ['missing image', { server: 'http://h', target: 't' }, /--image is required/],
    ['missing target', { server: 'http://h', image: 'a' }, /--target is required/],
    ['not a URL', { ...base, server: 'dp-host' }, /must be a URL/],
    ['ftp URL', { ...base, server: 'ftp://h' }, /http:\/\/ or https:\/\//],
    ['URL with a path', { ...base, server: 'http://h:8080/wrongpath' }, /without a path, such as http:\/\/10\.0\.0\.5:8080, got "http:\/\/h:8080\/wrongpath"/],
    ['URL with a query', { ...base, server: 'http://h:8080/?x=1' }, /without a path/],
    ['bad image name', { ...base, image: 'a/b' }, /--image must be/],
    ['interface an IPv6 address', { ...base, interface: 'fe80::1' }, /--interface must be a local interface's name \(eth0, "Ethernet 2"\) or its IPv4 address, got "fe80::1"/],
    ['interface with control characters', { ...base, interface: 'eth\u0007x' }, /--interface must be .*got "eth x"/],
    ['repeated option', { ...base, image: ['a', 'b'] }, /more than once/],
    ['empty value', { ...base, target: '' }, /--target needs a value/],
    ['negative timeout', { ...base, silenceTimeout: -1 }, /--silence-timeout must be/],
    ['non-numeric patience', { ...base, dpPatience: 'soon' }, /--dp-patience must be/],
    ['a patience that rounds to 0 ms', { ...base, dpPatience: 1e-9 }, /--dp-patience must be a number of seconds from 0\.001 to 86400, got 1e-9\./],
    ['a silence that rounds to 0 ms', { ...base, silenceTimeout: '0.0001' }, /--silence-timeout must be .* got 0\.0001\./],
  ])('rejects %s with a usage error', (_name, raw, re) => {
    expect(usageOf(raw)).toMatch(re);
  });
});

describe('defaultStateDir', () => {
  it('is a hidden folder next to the target', () => {
    expect(defaultStateDir('/images/a.raw')).toBe('/images/.castpoint-a.raw.state');
    expect(defaultStateDir('/dev/sda')).toBe('/dev/.castpoint-sda.state');
  });
});
