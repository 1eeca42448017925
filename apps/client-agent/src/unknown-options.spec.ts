import { describeUnknownOptions, suggestOption, unknownOptions, type KnownOptions } from './unknown-options';

// The deploy command's options as cli.ts declares them (it reads them back from yargs).
const DEPLOY: KnownOptions = {
  names: ['server', 'image', 'target', 'interface', 'token', 'state-dir', 'json', 'fallback', 'silence-timeout', 'read-back', 'direct-io', 'dp-patience'],
  booleans: ['json', 'fallback', 'read-back', 'direct-io'],
};

describe('unknown options', () => {
  it('names a mistyped option with its dashes and the option meant', () => {
    const argv = ['--server', 'http://h', '--image', 'x', '--targt', '/tmp/x'];
    expect(describeUnknownOptions(argv, DEPLOY)).toBe('Unknown option --targt (did you mean --target?)');
  });

  it.each([
    ['--targt', '--target'],
    ['--serv', '--server'],
    ['--state-dri', '--state-dir'],
    ['--silence-timout', '--silence-timeout'],
    ['--interfce', '--interface'],
    ['--direct_io', '--direct-io'],
  ])('suggests for %s: %s', (typed, meant) => expect(suggestOption(typed, DEPLOY)).toBe(meant));

  it('suggests nothing when no option is close', () => {
    expect(suggestOption('--bogus', DEPLOY)).toBeUndefined();
    expect(suggestOption('-x', DEPLOY)).toBeUndefined();
    expect(describeUnknownOptions(['--bogus'], DEPLOY)).toBe('Unknown option --bogus');
  });

  it('accepts every spelling yargs accepts: camelCase, --no-BOOLEAN, NAME=VALUE, negative numbers', () => {
    const argv = ['--stateDir', '/s', '--no-fallback', '--no-direct-io', '--target=/x', '--silence-timeout', '-1', '--', '--after-dashdash'];
    expect(unknownOptions(argv, DEPLOY)).toEqual([]);
    expect(describeUnknownOptions(argv, DEPLOY)).toBeUndefined();
  });

  it('lists several unknown options in order', () => {
    expect(describeUnknownOptions(['--imgae', 'x', '--no-fallbak', '--zzz=1'], DEPLOY)).toBe(
      'Unknown options --imgae (did you mean --image?), --no-fallbak (did you mean --no-fallback?), --zzz',
    );
  });
});
