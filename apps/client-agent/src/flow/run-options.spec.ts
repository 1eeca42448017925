import path from 'node:path';
import { AgentError } from '../errors';
import { validateDeployOptions } from '../options';
import { deployOptionsFor, kernelArgs, validateRunOptions, type RunContext } from './run-options';

const ctx = (over: Partial<RunContext> = {}): RunContext => ({ env: {}, stdoutIsTty: true, cwd: '/work', cmdline: undefined, root: '/', ...over });

function usage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('usage');
    return (err as AgentError).message;
  }
  throw new Error('expected a usage error');
}

describe('kernelArgs', () => {
  it.each([
    ['BOOT_IMAGE=/vmlinuz castpoint.server=http://10.0.0.5:8080 quiet', { server: 'http://10.0.0.5:8080' }],
    ['initrd=x castpoint.server=http://dp:8080 castpoint.token=s3cr3t\n', { server: 'http://dp:8080', token: 's3cr3t' }],
    ['castpoint.token="a b" castpoint.server=http://a castpoint.server=http://b', { server: 'http://b', token: 'a b' }],
    ['castpoint.server= castpoint castpoint.serverx=http://no', {}],
    ['castpoint.server=https://dp castpoint.fingerprint=AB:CD', { server: 'https://dp', fingerprint: 'AB:CD' }],
    ['', {}],
  ])('%j', (line, want) => {
    expect(kernelArgs(line)).toEqual(want);
  });
});

describe('validateRunOptions', () => {
  it('takes the server and token from the kernel command line when no flag gives them', () => {
    const o = validateRunOptions({}, ctx({ cmdline: 'quiet castpoint.server=http://10.0.0.5:8080/ castpoint.token=k1' }));
    expect(o).toMatchObject({ server: 'http://10.0.0.5:8080', token: 'k1', stateDir: '/var/lib/castpoint-agent', output: 'tty', dpPatienceMs: 600_000 });
    expect(o.disk).toBeUndefined();
  });

  it('a flag beats the kernel; CASTPOINT_TOKEN beats the kernel token; the flag beats both', () => {
    const cmdline = 'castpoint.server=http://kernel:1 castpoint.token=kernel';
    expect(validateRunOptions({ server: 'http://flag:2' }, ctx({ cmdline }))).toMatchObject({ server: 'http://flag:2', token: 'kernel' });
    expect(validateRunOptions({}, ctx({ cmdline, env: { CASTPOINT_TOKEN: 'env' } })).token).toBe('env');
    expect(validateRunOptions({ token: 'flag' }, ctx({ cmdline, env: { CASTPOINT_TOKEN: 'env' } })).token).toBe('flag');
  });

  it("pins the DP's certificate from castpoint.fingerprint= (a flag beats it) and refuses a bad one", () => {
    const fp = 'ab'.repeat(32);
    const cmdline = `castpoint.server=https://dp:8443 castpoint.fingerprint=${fp.toUpperCase().match(/../g)?.join(':') ?? ''}`;
    expect(validateRunOptions({}, ctx({ cmdline })).serverFingerprint).toBe(fp.toUpperCase());
    expect(validateRunOptions({ serverFingerprint: 'cd'.repeat(32) }, ctx({ cmdline })).serverFingerprint).toBe('CD'.repeat(32));
    expect(validateRunOptions({}, ctx({ cmdline: 'castpoint.server=https://dp' })).serverFingerprint).toBeUndefined();
    expect(usage(() => validateRunOptions({}, ctx({ cmdline: 'castpoint.server=https://dp castpoint.fingerprint=zz' })))).toMatch(/--server-fingerprint must be a SHA-256 fingerprint/);
  });

  it('refuses a missing server, a bad selector and bad tuning values before anything is asked', () => {
    expect(usage(() => validateRunOptions({}, ctx()))).toBe('--server is required (or castpoint.server=URL on the kernel command line).');
    expect(usage(() => validateRunOptions({}, ctx({ cmdline: 'castpoint.server=ftp://x' })))).toContain('--server must be an http:// or https:// URL');
    expect(usage(() => validateRunOptions({ server: 'http://a', disk: 'colour:blue' }, ctx()))).toContain('--disk: disk selector "colour:blue": unknown kind "colour"');
    expect(usage(() => validateRunOptions({ server: 'http://a', silenceTimeout: -1 }, ctx()))).toContain('--silence-timeout must be a number of seconds');
    expect(usage(() => validateRunOptions({ server: 'http://a', choose: 'no spaces' }, ctx()))).toBe('--choose needs a deployment\'s name (1 to 63 letters, digits, dots, dashes or underscores), got "no spaces".');
    expect(validateRunOptions({ server: 'http://a', choose: 'office-2024' }, ctx()).choose).toBe('office-2024');
  });

  it('--state-dir is resolved from the cwd; the default is under the injected root', () => {
    expect(validateRunOptions({ server: 'http://a', stateDir: 'st' }, ctx()).stateDir).toBe('/work/st');
    expect(validateRunOptions({ server: 'http://a' }, ctx({ root: '/tmp/fake' })).stateDir).toBe(path.join('/tmp/fake', 'var/lib/castpoint-agent'));
  });

  it('the deploy it starts gets exactly the options deploy would with the same flags, and the state dir counts as given', () => {
    const raw = { server: 'http://a:1', token: 't', json: true, noFallback: true, silenceTimeout: 3, readBack: true, directIo: false, interface: 'eth0', stateDir: '/persist' };
    const o = validateRunOptions(raw, ctx());
    const viaRun = deployOptionsFor(o, 'win11', '/dev/sda', ctx());
    expect(viaRun).toEqual(validateDeployOptions({ ...raw, image: 'win11', target: '/dev/sda' }, ctx()));
    expect(viaRun).toMatchObject({ stateDirGiven: true, stateDir: '/persist', silenceTimeoutMs: 3000, noFallback: true, readBack: true, directIo: false, output: 'json' });
  });
});
