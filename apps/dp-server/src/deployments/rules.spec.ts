import { isCastpointError } from '@castpoint/wire';
import { collection, machine } from './fixtures';
import { collectionContains, formatRule, parseRule, ruleMatches } from './rules';

describe('parseRule / formatRule', () => {
  it.each([
    ['mac:52-54-00-00-00-01,AA:BB:CC:DD:EE:FF', { kind: 'mac', macs: ['52:54:00:00:00:01', 'aa:bb:cc:dd:ee:ff'] }, 'mac:52:54:00:00:00:01,aa:bb:cc:dd:ee:ff'],
    ['mac-prefix:52:54:00', { kind: 'mac-prefix', prefix: '52:54:00' }, 'mac-prefix:52:54:00'],
    ['mac-prefix:AA-BB', { kind: 'mac-prefix', prefix: 'aa:bb' }, 'mac-prefix:aa:bb'],
    ['name:lab-*', { kind: 'name', glob: 'lab-*' }, 'name:lab-*'],
    ['model:OptiPlex*', { kind: 'model', glob: 'OptiPlex*' }, 'model:OptiPlex*'],
    ['unknown', { kind: 'unknown' }, 'unknown'],
  ])('%s', (text, rule, formatted) => {
    expect(parseRule(text)).toEqual(rule);
    expect(formatRule(parseRule(text))).toBe(formatted);
  });

  it.each([
    ['serial:X', /unknown rule kind "serial"/],
    ['name:', /no value/],
    ['mac:52:54:00', /not a MAC/],
    ['mac-prefix:52:54:0', /whole octets/],
    ['mac-prefix:01:02:03:04:05:06', /1 to 5 whole octets/],
  ])('refuses %s', (text, why) => {
    let err: unknown;
    try {
      parseRule(text);
    } catch (e) {
      err = e;
    }
    expect(isCastpointError(err)).toBe(true);
    expect((err as Error).message).toMatch(why);
  });
});

describe('ruleMatches', () => {
  const m = machine({ name: 'Lab-07', macs: ['52:54:00:12:34:56', 'a0:36:9f:00:00:01'], model: 'OptiPlex 7090', state: 'known' });
  it.each([
    ['mac:a0:36:9f:00:00:01', true],
    ['mac:a0:36:9f:00:00:02', false],
    ['mac-prefix:52:54:00', true],
    ['mac-prefix:52:54:01', false],
    ['mac-prefix:52', true],
    ['name:lab-*', true],
    ['name:lab-1?', false],
    ['model:optiplex*', true],
    ['model:ThinkCentre*', false],
    ['unknown', false],
  ])('%s -> %s', (rule, expected) => {
    expect(ruleMatches(parseRule(rule), m)).toBe(expected);
  });

  it('"unknown" matches machines no operator has named, and a model rule never matches a machine without a model', () => {
    expect(ruleMatches({ kind: 'unknown' }, machine({ state: 'unknown' }))).toBe(true);
    expect(ruleMatches({ kind: 'model', glob: '*' }, machine({ model: null }))).toBe(false);
  });

  it('a collection holds its static members and whatever any rule matches', () => {
    expect(collectionContains(collection({ members: [1] }), machine({ id: 1 }))).toBe(true);
    expect(collectionContains(collection({ members: [2] }), machine({ id: 1 }))).toBe(false);
    expect(collectionContains(collection({ members: [2], rules: [{ kind: 'name', glob: 'lab-*' }] }), machine({ id: 1 }))).toBe(true);
  });
});
