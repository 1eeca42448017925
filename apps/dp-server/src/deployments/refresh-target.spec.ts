import { collection, machine, targeted } from './fixtures';
import { refreshTarget, type RefreshTarget } from './refresh-target';

const now = new Date('2026-12-01T12:00:00Z');
const before = new Date('2026-12-01T11:00:00Z');
const after = new Date('2026-12-01T13:00:00Z');
const other = collection({ id: 2, name: 'other', members: [99] });

/** The outcome as one short string, so a row reads as "what refresh re-arms". */
function summary(r: RefreshTarget): string {
  return r.ok ? `rearm ${r.deployment.name}` : `${r.code}: ${r.message}`;
}

describe('refreshTarget', () => {
  it.each<[string, ReturnType<typeof targeted>[], string | undefined, string]>([
    ['the one required deployment, already done here', [targeted('win11', { done: true })], undefined, 'rearm win11'],
    ['the one required deployment, still pending (re-arming changes nothing but is not refused)', [targeted('win11')], undefined, 'rearm win11'],
    ['available ones do not count', [targeted('win11', { done: true }), targeted('tools', { purpose: 'available' })], undefined, 'rearm win11'],
    ['no deployment at all: names the machine', [], undefined, 'DP_NO_DEPLOYMENT: machine lab-01 has no required deployment to re-arm (no deployment targets it)'],
    ['only another collection\'s', [targeted('win11', { collection: other })], undefined, 'DP_NO_DEPLOYMENT: machine lab-01 has no required deployment to re-arm (no deployment targets it)'],
    ['only an available one', [targeted('tools', { purpose: 'available' })], undefined, 'DP_NO_DEPLOYMENT: machine lab-01 has no required deployment to re-arm (the deployments that target it are available ones or past their deadline)'],
    ['only an expired one', [targeted('win11', { deadline: before, done: true })], undefined, 'DP_NO_DEPLOYMENT: machine lab-01 has no required deployment to re-arm (the deployments that target it are available ones or past their deadline)'],
    ['two required ones, both done: names them, asks for one', [targeted('win11', { done: true }), targeted('ubuntu', { done: true })], undefined, 'DP_DEPLOYMENT_AMBIGUOUS: required deployments ubuntu, win11 all target machine lab-01: name the one to re-arm'],
    ['two required ones, one named', [targeted('win11', { done: true }), targeted('ubuntu', { done: true })], 'ubuntu', 'rearm ubuntu'],
    ['an expired one does not make it ambiguous', [targeted('win11', { done: true }), targeted('old', { deadline: before, done: true })], undefined, 'rearm win11'],
    ['a name that is no deployment', [targeted('win11', { done: true })], 'win12', 'DP_DEPLOYMENT_NOT_FOUND: no deployment win12'],
    ['a name whose collection does not hold the machine', [targeted('win11', { collection: other, done: true })], 'win11', 'DP_NO_DEPLOYMENT: deployment win11 cannot be re-armed on machine lab-01: its collection other does not contain the machine'],
    ['a name that is available', [targeted('tools', { purpose: 'available' })], 'tools', 'DP_NO_DEPLOYMENT: deployment tools cannot be re-armed on machine lab-01: it is available, not required: it is chosen at the machine (boot menu or run --choose), there is nothing to re-arm'],
    ['a name past its deadline', [targeted('win11', { deadline: before, done: true })], 'win11', 'DP_NO_DEPLOYMENT: deployment win11 cannot be re-armed on machine lab-01: its deadline 2026-12-01T11:00:00.000Z has passed'],
    ['before its window: refused, the next boot would not deploy', [targeted('win11', { notBefore: after, done: true })], undefined, 'DP_NO_DEPLOYMENT: re-arming deployment win11 would not make machine lab-01 deploy it at its next boot: it starts at 2026-12-01T13:00:00.000Z: re-arm it then'],
    ['named while another required one is pending: the boot would be a conflict', [targeted('win11', { done: true }), targeted('ubuntu')], 'win11', 'DP_NO_DEPLOYMENT: re-arming deployment win11 would not make machine lab-01 deploy it at its next boot: required deployments ubuntu, win11 all target machine lab-01'],
  ])('%s', (_why, deployments, name, expected) => {
    expect(summary(refreshTarget(machine(), deployments, now, name))).toBe(expected);
  });

  it('hands back the deployment record itself (the route re-arms it by name)', () => {
    const t = targeted('win11', { done: true, image: 'w11-v2' });
    const r = refreshTarget(machine(), [t], now);
    expect(r).toEqual({ ok: true, deployment: t.deployment });
  });
});
