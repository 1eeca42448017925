import type { KickReason } from '@castpoint/wire';
import { decideOnFallbackReply, decideOnKick, decideOnProtocolVersion, decideOnSilence, type Decision } from './fallback-policy';

const allowed = { fallbackAllowed: true, noFallback: false };
const multicastOnly = { fallbackAllowed: false, noFallback: false };
const vetoed = { fallbackAllowed: true, noFallback: true };

function failCode(d: Decision): string | undefined {
  return d.action === 'fail' ? d.error.code : undefined;
}

describe('decideOnKick', () => {
  it.each<[KickReason, typeof allowed, string]>([
    ['fallback', allowed, 'unicast'],
    ['policy', allowed, 'unicast'],
    ['fallback', multicastOnly, 'fail'],
    ['policy', multicastOnly, 'fail'],
    ['fallback', vetoed, 'fail'],
    ['policy', vetoed, 'fail'],
    ['tier', allowed, 'rerequest'],
    ['tier', vetoed, 'rerequest'],
    ['fail', allowed, 'fail'],
  ])('kick %s with %j -> %s', (reason, ctx, action) => {
    expect(decideOnKick(reason, 'below 10 MB/s', ctx).action).toBe(action);
  });

  it('a policy kick without fallback is "removed by policy", a fail kick is "session failed"', () => {
    const d = decideOnKick('policy', 'below 10 MB/s', multicastOnly);
    expect(failCode(d)).toBe('removed-by-policy');
    expect(d.action === 'fail' && d.error.message).toMatch(/multicast-only \(below 10 MB\/s\)$/);
    expect(failCode(decideOnKick('policy', '', vetoed))).toBe('removed-by-policy');
    expect(failCode(decideOnKick('fail', 'cancelled by admin', allowed))).toBe('session-failed');
  });
});

describe('decideOnFallbackReply', () => {
  it('goes unicast unless --no-fallback', () => {
    expect(decideOnFallbackReply('client limit', allowed).action).toBe('unicast');
    // The DP only answers fallback for images that allow it; the flag in the context does not matter.
    expect(decideOnFallbackReply('client limit', multicastOnly).action).toBe('unicast');
    const d = decideOnFallbackReply('client limit', vetoed);
    expect(failCode(d)).toBe('removed-by-policy');
    expect(d.action === 'fail' && d.error.message).toContain('--no-fallback');
  });
});

describe('decideOnSilence', () => {
  it('falls back when allowed, keeps listening otherwise', () => {
    expect(decideOnSilence(15_000, allowed)).toEqual({ action: 'unicast', why: 'multicast delivered nothing for 15 s' });
    const mo = decideOnSilence(15_000, multicastOnly);
    expect(mo.action).toBe('keep-listening');
    expect(mo.action === 'keep-listening' && mo.why).toContain('multicast-only');
    const v = decideOnSilence(15_000, vetoed);
    expect(v.action === 'keep-listening' && v.why).toContain('--no-fallback');
  });
});

describe('decideOnProtocolVersion', () => {
  it('is silent on the same version, goes unicast or fails on another', () => {
    expect(decideOnProtocolVersion(1, 1, allowed)).toBeUndefined();
    expect(decideOnProtocolVersion(2, 1, allowed)?.action).toBe('unicast');
    const d = decideOnProtocolVersion(2, 1, multicastOnly);
    expect(d?.action === 'fail' && d.error.message).toMatch(/wire protocol 2 and this agent speaks 1 and the image is multicast-only/);
  });
});
