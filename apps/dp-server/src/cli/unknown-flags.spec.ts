import { explainUnknownArguments, nearestFlag } from './unknown-flags';

const IMAGE_ADD = ['help', 'version', 'server', 'token', 'token-file', 'tokenFile', 'json', 'multicast-only', 'multicastOnly', 'encrypt', 'mode', 'min-clients', 'minClients', 'bytes', '$0', '_'];

describe('unknown flags', () => {
  it.each([
    ['servr', 'server'],
    ['bytse', 'bytes'],
    ['min-client', 'min-clients'],
    ['encrpyt', 'encrypt'],
    ['multicastonly', 'multicast-only'],
    ['jsno', 'json'],
  ])('suggests --%s -> --%s', (typed, flag) => expect(nearestFlag(typed, IMAGE_ADD.filter((k) => /^[a-z][a-z0-9-]*$/.test(k)))).toBe(flag));

  it('suggests nothing for a word far from every flag', () => {
    expect(nearestFlag('zzzzzzz', IMAGE_ADD)).toBeUndefined();
    expect(nearestFlag('ab', ['mode', 'json'])).toBeUndefined();
  });

  it("rewrites yargs' message per argument, once per flag (not its camelCase twin), and tells a stray word from a flag", () => {
    expect(explainUnknownArguments('Unknown argument: servr', IMAGE_ADD, ['image', 'list', '--servr', 'x'])).toBe('unknown option --servr: did you mean --server?');
    expect(explainUnknownArguments('Unknown arguments: min-client, minClient, foo', IMAGE_ADD, ['image', 'set', 'x', '--min-client=3', 'foo'])).toBe(
      'unknown option --min-client: did you mean --min-clients?; unexpected argument "foo"',
    );
    expect(explainUnknownArguments('Unknown argument: zzzzzzz', IMAGE_ADD, ['--zzzzzzz'])).toBe('unknown option --zzzzzzz');
  });

  it("names the mistyped command beside yargs' suggestion", () => {
    expect(explainUnknownArguments('Did you mean list?', [], ['image', 'lst', '--server', 'http://x'])).toBe('unknown command "lst": did you mean list?');
    expect(explainUnknownArguments('Did you mean image?', [], ['imgae', 'list'])).toBe('unknown command "imgae": did you mean image?');
  });

  it('leaves other messages alone', () => {
    expect(explainUnknownArguments('Not enough non-option arguments: got 0, need at least 1', IMAGE_ADD, [])).toBe('Not enough non-option arguments: got 0, need at least 1');
  });
});
