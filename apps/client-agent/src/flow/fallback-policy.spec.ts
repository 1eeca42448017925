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
    expect(decideOnFallbackReply('client limit', allowed)).toEqual({ action: 'unicast', why: 'The DP sent this client to unicast download (client limit)' });
    expect(decideOnFallbackReply('', allowed)).toEqual({ action: 'unicast', why: 'The DP sent this client to unicast download' });
    // The DP only answers fallback for images that allow it; the flag in the context does not matter.
    expect(decideOnFallbackReply('client limit', multicastOnly).action).toBe('unicast');
    const d = decideOnFallbackReply('client limit', vetoed);
    expect(failCode(d)).toBe('removed-by-policy');
    expect(d.action === 'fail' && d.error.message).toContain('--no-fallback');
  });
});

describe('decideOnSilence', () => {
  const answered = { silentMs: 15_000, dpAnswered: true, listenedOn: 'eth0 10.0.0.2' };
  const unreachable = { silentMs: 15_000, dpAnswered: false };
  it.each<[string, typeof answered | typeof unreachable, typeof allowed, Decision['action'], RegExp]>([
    // 21.1: the DP answers, multicast does not reach us: unicast, or stop naming the likely causes.
    ['the DP answered', answered, allowed, 'unicast', /^multicast delivered nothing for 15 s while the DP answered$/],
    ['the DP answered', answered, multicastOnly, 'fail', /firewall.*IGMP snooping.*wrong interface.*and the image is multicast-only$/],
    ['the DP answered', answered, vetoed, 'fail', /listening on eth0 10\.0\.0\.2.*--no-fallback forbids unicast fallback$/],
    // 22.7: silence while the DP was down is no multicast failure: join its resumed session again.
    ['the DP did not answer', unreachable, allowed, 'keep-listening', /did not answer.*joining its session again by multicast/],
    ['the DP did not answer', unreachable, multicastOnly, 'keep-listening', /joining its session again/],
    ['the DP did not answer', unreachable, vetoed, 'keep-listening', /joining its session again/],
  ])('silence while %s %j, %j -> %s', (_what, facts, ctx, action, text) => {
    const d = decideOnSilence(facts, ctx);
    expect(d.action).toBe(action);
    const said = d.action === 'fail' ? d.error.message : d.why;
    expect(said).toMatch(text);
    if (d.action === 'fail') expect(d.error.code).toBe('removed-by-policy');
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
