import { AgentError } from '../errors';
import { validateRefreshOptions } from './refresh-options';

const ctx = { env: { CASTPOINT_TOKEN: 'from-env' }, stdoutIsTty: true, cwd: '/tmp' };

describe('validateRefreshOptions', () => {
  it('takes the server and token as deploy does (CASTPOINT_TOKEN by default), reboots unless --no-reboot', () => {
    expect(validateRefreshOptions({ server: 'http://10.0.0.5:8080/' }, ctx)).toEqual({ server: 'http://10.0.0.5:8080', token: 'from-env', reboot: true, json: false });
    expect(validateRefreshOptions({ server: 'http://dp:8080', token: 't', deployment: 'lab-v2', reboot: false, json: true }, ctx)).toEqual({ server: 'http://dp:8080', token: 't', deployment: 'lab-v2', reboot: false, json: true });
  });

  it('pins the certificate given by --server-fingerprint (colons and case do not matter)', () => {
    expect(validateRefreshOptions({ server: 'https://10.0.0.5:8443', serverFingerprint: 'ab:'.repeat(31) + 'ab' }, ctx)).toEqual({ server: 'https://10.0.0.5:8443', token: 'from-env', serverFingerprint: 'AB'.repeat(32), reboot: true, json: false });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no server', {}, /^--server is required/],
    ['a server that is no URL', { server: 'dp lan' }, /--server/],
    ['a deployment name with a slash', { server: 'http://dp', deployment: 'a/b' }, /^--deployment needs a deployment's name .* got "a\/b"\.$/],
    ['an empty deployment name', { server: 'http://dp', deployment: '' }, /^--deployment needs a deployment's name/],
    ['a fingerprint that is not a SHA-256', { server: 'https://dp', serverFingerprint: 'AB:CD' }, /^--server-fingerprint must be a SHA-256 fingerprint: 64 hex digits/],
    ['a fingerprint with an http server', { server: 'http://dp', serverFingerprint: 'ab'.repeat(32) }, /^--server-fingerprint pins the DP's TLS certificate: give an https:\/\/ --server/],
  ])('refuses %s (usage, exit 2)', (_why, raw, message) => {
    const e = (() => {
      try {
        validateRefreshOptions(raw, ctx);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(AgentError);
    expect((e as AgentError).code).toBe('usage');
    expect((e as AgentError).message).toMatch(message);
  });
});
