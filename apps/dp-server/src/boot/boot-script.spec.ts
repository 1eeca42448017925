import type { Decision } from '../deployments/decide';
import { renderBootScript, type BootScriptInput } from './boot-script';

const deploy: Decision = { action: 'deploy', deployment: 'lab-win11', image: 'win11', disk: 'auto', after: 'reboot', script: null, variables: {} };
const nothing: Decision = { action: 'nothing', reason: 'no deployment targets this machine', available: [] };
const available: Decision = { action: 'nothing', reason: 'no required deployment; available: rescue, tools', available: ['rescue', 'tools'] };
const wait: Decision = { action: 'wait', until: new Date('2026-12-07T00:00:00Z'), reason: 'deployment night starts at 2026-12-07T00:00:00.000Z' };
const conflict: Decision = { action: 'conflict', deployments: ['a', 'b'], reason: 'required deployments a, b all target machine pc1' };

const base: BootScriptInput = {
  machine: { name: 'pc1', state: 'known' },
  mac: '52:54:00:12:34:56',
  decision: nothing,
  unknownMachines: 'register-exit',
  dpUrl: 'http://10.77.0.1:8080',
  bootToken: 'cpb1.TOKEN',
};

const ROWS: Array<[string, Partial<BootScriptInput>, 'bootenv' | 'exit' | 'menu', RegExp[]]> = [
  ['a pending required deployment boots the boot environment', { decision: deploy }, 'bootenv', [
    /^kernel http:\/\/10\.77\.0\.1:8080\/boot\/files\/vmlinuz initrd=initrd\.img castpoint\.server=http:\/\/10\.77\.0\.1:8080 castpoint\.token=cpb1\.TOKEN castpoint\.mac=52:54:00:12:34:56 console=tty0 console=ttyS0,115200n8$/m,
    /^initrd http:\/\/10\.77\.0\.1:8080\/boot\/files\/initrd\.img$/m,
    /^boot$/m,
  ]],
  ['a DP on HTTPS hands the boot environment its certificate pin', { decision: deploy, dpUrl: 'https://10.77.0.1:8443', tlsFingerprint: 'AB'.repeat(32) }, 'bootenv', [
    new RegExp(`castpoint\\.mac=52:54:00:12:34:56 castpoint\\.fingerprint=${'AB'.repeat(32)} console=tty0`),
  ]],
  ['nothing to do: exit (boot the disk)', {}, 'exit', [/^exit 1$/m, /no deployment targets this machine/]],
  ['a deployment that waits for its window: exit', { decision: wait }, 'exit', [/^exit 1$/m, /waits: deployment night starts/]],
  ['two required deployments: exit, never a coin toss', { decision: conflict }, 'exit', [/^exit 1$/m, /required deployments a, b/]],
  ['MACs of several machines: exit', { machine: undefined, decision: undefined }, 'exit', [/^exit 1$/m, /belongs to several machines/]],
  ['unknown machine, policy register-exit: exit', { machine: { name: 'unknown-525400123456', state: 'unknown' } }, 'exit', [/^exit 1$/m]],
  ['unknown machine, policy bootenv: boot environment', { machine: { name: 'unknown-525400123456', state: 'unknown' }, unknownMachines: 'bootenv' }, 'bootenv', [/^kernel .*castpoint\.token=cpb1\.TOKEN/m]],
  ['available deployments: a menu with a timeout, the disk by default', { decision: available }, 'menu', [
    /^menu castpoint: machine pc1$/m,
    /^item d0 rescue$/m,
    /^item d1 tools$/m,
    /^item --default disk Boot from disk$/m,
    /^choose --timeout 10000 --default disk target \|\| goto disk$/m,
    /^:d1\n.*\nkernel .* castpoint\.choose=tools console=tty0/m,
    /^:disk\nexit 1$/m,
  ]],
  ['pending deployment but no boot environment built: exit with the reason', { decision: deploy, bootenvMissing: 'no vmlinuz in /var/bootenv' }, 'exit', [/no vmlinuz in \/var\/bootenv/, /^exit 1$/m]],
  ['a name holding iPXE syntax is never expanded', { machine: { name: 'pc${net0/ip}', state: 'known' } }, 'exit', [/machine pc\?\{net0\/ip\}/]],
];

describe('renderBootScript', () => {
  it.each(ROWS)('%s', (_, change, outcome, patterns) => {
    const s = renderBootScript({ ...base, ...change });
    expect(s.outcome).toBe(outcome);
    expect(s.text.startsWith('#!ipxe\n')).toBe(true);
    for (const p of patterns) expect(s.text).toMatch(p);
    // The boot token goes only where the boot environment starts.
    if (outcome === 'exit') expect(s.text).not.toContain('cpb1');
  });

  it('leaves out of the menu a name that is not safe on a kernel command line', () => {
    const s = renderBootScript({ ...base, decision: { ...available, available: ['ok', 'bad name'] } });
    expect(s.text).toContain('item d0 ok');
    expect(s.text).not.toContain('bad name');
  });
});
