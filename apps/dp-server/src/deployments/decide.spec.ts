import { decide, type Decision } from './decide';
import { collection, machine, targeted } from './fixtures';

const now = new Date('2026-12-01T12:00:00Z');
const before = new Date('2026-12-01T11:00:00Z');
const after = new Date('2026-12-01T13:00:00Z');
const other = collection({ id: 2, name: 'other', members: [99] });

/** The decision as one short string, so a table row reads as "who gets what". */
function summary(d: Decision): string {
  switch (d.action) {
    case 'deploy':
      return `deploy ${d.deployment}`;
    case 'capture':
      return `capture ${d.deployment}`;
    case 'wait':
      return `wait ${d.until.toISOString()}`;
    case 'nothing':
      return d.available.length > 0 ? `nothing [${d.available.join(',')}]` : 'nothing';
    case 'conflict':
      return `conflict ${d.deployments.join(',')}`;
  }
}

describe('decide', () => {
  it.each<[string, ReturnType<typeof targeted>[], string | undefined, string]>([
    ['no deployment at all', [], undefined, 'nothing'],
    ['a required one for its collection', [targeted('win11')], undefined, 'deploy win11'],
    ['a required one for another collection', [targeted('win11', { collection: other })], undefined, 'nothing'],
    ['a required one already done here', [targeted('win11', { done: true })], undefined, 'nothing'],
    ['two required ones: a conflict, never a coin toss', [targeted('win11'), targeted('ubuntu')], undefined, 'conflict ubuntu,win11'],
    ['two required, one done: the other runs', [targeted('win11', { done: true }), targeted('ubuntu')], undefined, 'deploy ubuntu'],
    ['two required, one for another collection', [targeted('win11', { collection: other }), targeted('ubuntu')], undefined, 'deploy ubuntu'],
    ['required before its window: wait for not-before', [targeted('win11', { notBefore: after })], undefined, `wait ${after.toISOString()}`],
    ['required inside its window', [targeted('win11', { notBefore: before, deadline: after })], undefined, 'deploy win11'],
    ['required after its deadline: skipped', [targeted('win11', { deadline: before })], undefined, 'nothing'],
    ['an expired required one does not conflict', [targeted('win11', { deadline: before }), targeted('ubuntu')], undefined, 'deploy ubuntu'],
    ['available ones are offered, not run', [targeted('tools', { purpose: 'available' }), targeted('rescue', { purpose: 'available' })], undefined, 'nothing [rescue,tools]'],
    ['an available one chosen at the machine runs', [targeted('tools', { purpose: 'available' })], 'tools', 'deploy tools'],
    ['an available one runs again when chosen again', [targeted('tools', { purpose: 'available', done: true })], 'tools', 'deploy tools'],
    ['a choice not offered to this machine', [targeted('tools', { purpose: 'available', collection: other })], 'tools', 'nothing'],
    ['an available one outside its window is not offered', [targeted('tools', { purpose: 'available', notBefore: after })], 'tools', 'nothing'],
    ['a pending required one wins over a choice', [targeted('win11'), targeted('tools', { purpose: 'available' })], 'tools', 'deploy win11'],
    ['a required capture runs as a deploy would, once', [targeted('ref', { kind: 'capture' })], undefined, 'capture ref'],
    ['a required capture already done here', [targeted('ref', { kind: 'capture', done: true })], undefined, 'nothing'],
    ['a capture and a deploy both required: a conflict', [targeted('ref', { kind: 'capture' }), targeted('win11')], undefined, 'conflict ref,win11'],
    ['an available capture chosen at the machine', [targeted('ref', { kind: 'capture', purpose: 'available' })], 'ref', 'capture ref'],
  ])('%s', (_why, deployments, chosen, expected) => {
    expect(summary(decide(machine(), deployments, now, chosen))).toBe(expected);
  });

  it('hands the agent everything it needs for the deployment', () => {
    const d = decide(machine(), [targeted('win11', { disk: 'serial:S1', after: 'poweroff', script: 'http://dp/post.sh', variables: { SITE: 'north' } })], now);
    expect(d).toEqual({ action: 'deploy', deployment: 'win11', image: 'win11.img', disk: 'serial:S1', after: 'poweroff', script: 'http://dp/post.sh', variables: { SITE: 'north' } });
  });

  it('says why it waits, why there is nothing, and who conflicts', () => {
    const w = decide(machine(), [targeted('win11', { notBefore: after })], now);
    expect(w).toEqual({ action: 'wait', until: after, reason: `deployment win11 starts at ${after.toISOString()}` });
    expect(decide(machine(), [], now)).toEqual({ action: 'nothing', reason: 'no deployment targets this machine', available: [] });
    const c = decide(machine(), [targeted('b'), targeted('a')], now);
    expect(c).toEqual({ action: 'conflict', deployments: ['a', 'b'], reason: 'required deployments a, b all target machine lab-01' });
  });

  it('matches collections by rule as well as by member', () => {
    const byRule = collection({ rules: [{ kind: 'model', glob: 'optiplex*' }] });
    expect(decide(machine(), [targeted('win11', { collection: byRule })], now).action).toBe('deploy');
    expect(decide(machine({ model: 'ThinkCentre' }), [targeted('win11', { collection: byRule })], now).action).toBe('nothing');
  });
});
