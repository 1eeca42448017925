import { vmDemoSummary, vmTable } from './demo-vms';
import type { VmTimings } from './vm-deployment';

const vm = (name: string, over: Partial<VmTimings> = {}): VmTimings => ({
  name,
  mac: '52:54:00:c9:00:01',
  toAgentStart: 43.1,
  transfer: 12.0,
  verify: 0.5,
  rebootToMarker: 64.2,
  total: 154.0,
  agentExit: 0,
  reachedMarker: true,
  consoleFirstBoot: '',
  consoleDiskBoot: '',
  ...over,
});

describe('vmDemoSummary', () => {
  it('is the issue\'s JSON shape, ok when every VM reached its marker over one session', () => {
    expect(JSON.stringify(vmDemoSummary([vm('vm1'), vm('vm2', { total: 61.2 })], 1))).toBe(
      '{"demo":"vms","ok":true,"vms":[{"name":"vm1","reachedMarker":true,"seconds":154},{"name":"vm2","reachedMarker":true,"seconds":61.2}],"multicastSessions":1}',
    );
  });

  it('is not ok with a VM short of its marker, a failed agent, or more than one session', () => {
    expect(vmDemoSummary([vm('vm1'), vm('vm2', { reachedMarker: false, total: undefined })], 1)).toMatchObject({ ok: false, vms: [{}, { seconds: null }] });
    expect(vmDemoSummary([vm('vm1', { agentExit: 3 })], 1).ok).toBe(false);
    expect(vmDemoSummary([vm('vm1')], 2).ok).toBe(false);
    expect(vmDemoSummary([], 1).ok).toBe(false);
  });

  it('is not ok when a network-booted VM was not told `exit` on its second boot; the HTTP baseline wants no session', () => {
    expect(vmDemoSummary([vm('vm1', { bootScripts: ['bootenv', 'exit'] })], 1).ok).toBe(true);
    expect(vmDemoSummary([vm('vm1', { bootScripts: ['bootenv', 'bootenv'] })], 1).ok).toBe(false);
    expect(vmDemoSummary([vm('vm1', { bootScripts: ['bootenv'] })], 1).ok).toBe(false);
    expect(vmDemoSummary([vm('vm1')], 0, 0).ok).toBe(true);
    expect(vmDemoSummary([vm('vm1')], 1, 0).ok).toBe(false);
  });

  it('wants `bootenv` only from VMs that boot their disk first (UEFI): a second network boot means the disk did not boot', () => {
    expect(vmDemoSummary([vm('vm1', { bootScripts: ['bootenv'] })], 1, 1, 0, ['bootenv']).ok).toBe(true);
    expect(vmDemoSummary([vm('vm1', { bootScripts: ['bootenv', 'exit'] })], 1, 1, 0, ['bootenv']).ok).toBe(false);
  });

  it('is not ok when a VM finished by unicast fallback: the image did not go by multicast', () => {
    expect(vmDemoSummary([vm('vm1'), vm('vm2')], 1, 1, 1).ok).toBe(false);
    expect(vmDemoSummary([vm('vm1'), vm('vm2')], 1, 1, 0).ok).toBe(true);
  });
});

describe('vmTable', () => {
  it('has one row per VM with each phase in seconds, - for a phase not seen', () => {
    const t = vmTable([vm('vm1', { bootScripts: ['bootenv', 'exit'] }), vm('vm2', { transfer: undefined, reachedMarker: false })]).split('\n');
    expect(t[0]).toBe('vm    power-on->agent  transfer  verify  reboot->marker    total  marker  network boots');
    expect(t[1]).toMatch(/^vm1\s+43\.1\s+12\.0\s+0\.5\s+64\.2\s+154\.0 {2}yes {5}bootenv then exit$/);
    expect(t[2]).toMatch(/^vm2\s+43\.1\s+-\s+0\.5\s+64\.2\s+154\.0 {2}NO {6}-$/);
  });
});
