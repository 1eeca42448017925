import { checkCaptureNamePattern, DEFAULT_CAPTURE_NAME, expandCaptureName } from './capture-name';

const at = new Date('2026-12-06T09:05:07Z');
const input = { machine: 'pc-07', deployment: 'refs', at };

describe('capture image names', () => {
  it.each<[string, string]>([
    [DEFAULT_CAPTURE_NAME, 'pc-07-20261206'],
    ['{deployment}.{machine}.{date}-{time}', 'refs.pc-07.20261206-090507'],
    ['golden', 'golden'],
  ])('%s gives %s (UTC)', (pattern, name) => {
    expect(expandCaptureName(pattern, input)).toEqual({ ok: true, name });
  });

  it.each<[string, RegExp]>([
    ['{serial}', /unknown field \{serial\}/],
    ['{machine}/x', /gives "pc-07\/x", which is not an image name/],
    ['-{machine}', /which is not an image name/],
    ['{machine}'.repeat(14), /which is not an image name/],
  ])('refuses %s', (pattern, why) => {
    const r = expandCaptureName(pattern, input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(why);
  });

  it('checks a pattern when the deployment is made, without a machine', () => {
    expect(checkCaptureNamePattern(DEFAULT_CAPTURE_NAME, 'd')).toBeUndefined();
    expect(checkCaptureNamePattern('{nope}', 'd')).toMatch(/unknown field/);
  });
});
