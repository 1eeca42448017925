import { isCastpointError } from '@castpoint/wire';
import { bootTokenKey, issueBootToken } from '../boot/boot-token';
import { CAPTURE_GRANT_TTL_MS, captureGrantKey, issueCaptureGrant, verifyCaptureGrant } from './capture-grant';

const key = captureGrantKey('admin-token-of-this-dp');
const t0 = Date.parse('2026-12-06T06:00:00Z');

function code(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (err) {
    return isCastpointError(err) ? err.code : String(err);
  }
}

describe('capture grants', () => {
  const grant = issueCaptureGrant(key, '52-54-00-12-34-56', 'ref-pc1.2026', t0);

  it('verifies to the machine and the image it was issued for, until it expires (6 h by default)', () => {
    expect(verifyCaptureGrant(key, grant, t0 + CAPTURE_GRANT_TTL_MS - 1)).toEqual({ mac: '52:54:00:12:34:56', image: 'ref-pc1.2026', expiresAtMs: t0 + CAPTURE_GRANT_TTL_MS });
    expect(grant).toMatch(/^cpc1\.[!-~]+$/);
  });

  it.each<[string, () => unknown]>([
    ['expired', () => verifyCaptureGrant(key, grant, t0 + CAPTURE_GRANT_TTL_MS)],
    ['another DP (another admin token)', () => verifyCaptureGrant(captureGrantKey('another-admin-token'), grant, t0)],
    ['its image changed', () => verifyCaptureGrant(key, grant.replace(/^(cpc1\.[0-9a-f]+\.)[^.]+/, `$1${Buffer.from('other').toString('base64url')}`), t0)],
    ['its expiry moved', () => verifyCaptureGrant(key, grant.replace(/\.([0-9a-z]+)\.([^.]+)$/, '.zzzzzzzz.$2'), t0)],
    ['cut short', () => verifyCaptureGrant(key, grant.slice(0, -1), t0)],
    ['a boot token of the same DP', () => verifyCaptureGrant(key, issueBootToken(bootTokenKey('admin-token-of-this-dp'), '52:54:00:12:34:56', t0), t0)],
    ['empty', () => verifyCaptureGrant(key, '', t0)],
  ])('refuses a grant that is %s (DP_CAPTURE_GRANT)', (_what, f) => {
    expect(code(f)).toBe('DP_CAPTURE_GRANT');
  });

  it('is keyed apart from boot tokens: the same admin token gives different keys', () => {
    expect(captureGrantKey('x').equals(bootTokenKey('x'))).toBe(false);
  });
});
