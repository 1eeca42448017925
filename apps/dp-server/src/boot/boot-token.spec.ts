import { bootTokenKey, issueBootToken, verifyBootToken, BOOT_TOKEN_TTL_MS } from './boot-token';
import { isCastpointError } from '@castpoint/wire';

const key = bootTokenKey('admin-token-of-this-dp');
const t0 = Date.parse('2026-12-06T06:00:00Z');

function code(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (err) {
    return isCastpointError(err) ? err.code : String(err);
  }
}

describe('boot tokens', () => {
  const token = issueBootToken(key, '52:54:00:12:34:56', t0);

  it('verifies to the MAC it was issued to, until it expires (2 h by default)', () => {
    expect(verifyBootToken(key, token, t0 + BOOT_TOKEN_TTL_MS - 1)).toEqual({ mac: '52:54:00:12:34:56', expiresAtMs: t0 + BOOT_TOKEN_TTL_MS });
    expect(code(() => verifyBootToken(key, token, t0 + BOOT_TOKEN_TTL_MS))).toBe('DP_BOOT_TOKEN');
  });

  it('is refused when forged, altered, or issued by another DP', () => {
    const otherMac = token.replace('525400123456', '525400123457');
    expect(code(() => verifyBootToken(key, otherMac, t0))).toBe('DP_BOOT_TOKEN');
    const longer = token.replace(/\.([0-9a-z]+)\./, (_m, e: string) => `.${(parseInt(e, 36) + 1e9).toString(36)}.`);
    expect(code(() => verifyBootToken(key, longer, t0))).toBe('DP_BOOT_TOKEN');
    expect(code(() => verifyBootToken(bootTokenKey('another-dp'), token, t0))).toBe('DP_BOOT_TOKEN');
    expect(code(() => verifyBootToken(key, 'cpb1.x', t0))).toBe('DP_BOOT_TOKEN');
  });

  it('holds neither the admin token nor its key, and fits a kernel command line', () => {
    expect(token).not.toContain('admin-token-of-this-dp');
    expect(token).not.toContain(key.toString('base64url'));
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
