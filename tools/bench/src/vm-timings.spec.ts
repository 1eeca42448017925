import type { SerialLine } from '@castpoint/vmlab';
import { agentState, directBootTimings, networkBootTimings } from './vm-timings';

const MARKER = 'castpoint-vmlab-marker v1';
const progress = (state: string, percent: number): string => `{"time":"2026-12-06T09:02:31.479Z","state":"${state}","percent":${percent},"rateBps":0,"chunksDone":21,"totalChunks":32}`;

// One console of a network-booted VM, as the lab saw it (lines cut from a real run, fewer of them).
const networkConsole: SerialLine[] = [
  { t: 0.7, text: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' },
  { t: 4.1, text: 'Configuring (net0 52:54:00:c9:00:01)... ok' },
  { t: 5.2, text: 'castpoint: machine vm1: deployment vmlab' },
  { t: 72.3, text: 'castpoint[17.80]: agent start: run against http://10.78.0.1:8080' },
  { t: 107.6, text: progress('receiving', 65.6) },
  { t: 250.1, text: progress('verifying', 100) },
  { t: 261.5, text: '{"time":"2026-12-06T09:05:05.971Z","step":"report","text":"reported ok to the DP","result":"ok","exitCode":0}' },
  { t: 261.5, text: '{"time":"2026-12-06T09:05:05.978Z","step":"after","text":"reboot: reboot -f","after":"reboot","command":["reboot","-f"]}' },
  { t: 261.9, text: '[  129.229500] reboot: Restarting system' },
  { t: 262.4, text: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' },
  { t: 266.0, text: 'castpoint: machine vm1: every deployment for this machine has run or is outside' },
  { t: 268.1, text: 'Booting from Hard Disk...' },
  { t: 294.9, text: `${MARKER} booted from disk after 4.53 s` },
];

describe('networkBootTimings', () => {
  it('times each phase from one console: agent start, transfer, check, the reboot (its after step) to the marker', () => {
    const t = networkBootTimings('vm1', '52:54:00:c9:00:01', networkConsole, MARKER);
    expect(t).toMatchObject({ toAgentStart: 72.3, transfer: 142.5, verify: 11.4, rebootToMarker: 33.4, total: 294.9, agentExit: 0, reachedMarker: true });
    expect(t.consoleFirstBoot.split('\n')).toHaveLength(9);
    expect(t.consoleDiskBoot).toMatch(/^\[ 262\.4\] SeaBIOS/);
  });

  it('ends the transfer at `done` when the check was shorter than a progress period', () => {
    const lines = networkConsole.map((l) => (l.t === 250.1 ? { ...l, text: progress('done', 100) } : l));
    expect(networkBootTimings('vm1', 'm', lines, MARKER)).toMatchObject({ transfer: 142.5, verify: 11.4 });
  });

  it('does not count a marker the VM never reached after a restart, and reports a failed agent\'s exit code', () => {
    const failed: SerialLine[] = [
      ...networkConsole.slice(0, 5),
      { t: 120, text: 'castpoint[60.1]: agent exit 6' },
      { t: 120.1, text: 'castpoint[60.1]: FAILED: castpoint-agent exited with code 6' },
      // Echoed text before any restart is not the disk's own init.
      { t: 121, text: `echo ${MARKER}` },
    ];
    expect(networkBootTimings('vm1', 'm', failed, MARKER)).toMatchObject({ agentExit: 6, reachedMarker: false, rebootToMarker: undefined, total: undefined, consoleDiskBoot: '' });
  });
});

describe('networkBootTimings under OVMF', () => {
  it('takes the boot manager loading its first entry again as the restart (OVMF prints no banner)', () => {
    const lines: SerialLine[] = [
      { t: 17.7, text: 'BdsDxe: loading Boot0002 "UEFI PXEv4 (MAC:525400C90001)" from PciRoot(0x0)/Pci(0x2,0x0)' },
      { t: 66.0, text: 'castpoint[15.65]: agent start: run against http://10.78.0.1:8080' },
      { t: 82.5, text: progress('receiving', 66) },
      { t: 130.7, text: progress('done', 100) },
      { t: 131.0, text: '{"time":"2026-12-06T12:21:05.000Z","step":"after","text":"reboot: reboot -f","after":"reboot","command":["reboot","-f"]}' },
      { t: 145.7, text: '>>Start PXE over IPv4.' },
      { t: 146.4, text: 'BdsDxe: loading Boot0002 "UEFI PXEv4 (MAC:525400C90001)" from PciRoot(0x0)/Pci(0x2,0x0)' },
      { t: 200.0, text: `${MARKER} booted from disk after 12.9 s` },
    ];
    const t = networkBootTimings('vm1', 'm', lines, MARKER);
    expect(t).toMatchObject({ toAgentStart: 66, transfer: 48.2, rebootToMarker: 69, reachedMarker: true });
    expect(t.consoleDiskBoot).toMatch(/^\[ 146\.4\] BdsDxe: loading/);
  });
});

describe('directBootTimings', () => {
  it('adds the second power-on\'s offset to the disk console\'s times', () => {
    const first: SerialLine[] = [
      { t: 40, text: 'castpoint[30.1]: agent start: deploy vmdisk to /dev/vda from http://10.78.0.1:8080' },
      { t: 50, text: progress('receiving', 65.6) },
      { t: 90, text: progress('verifying', 100) },
      { t: 91, text: 'castpoint[80.2]: agent exit 0' },
    ];
    const second: SerialLine[] = [{ t: 20, text: `${MARKER} booted from disk after 5 s` }];
    expect(directBootTimings('vm2', 'm', first, second, 95, MARKER)).toMatchObject({ toAgentStart: 40, transfer: 40, verify: 1, rebootToMarker: 24, total: 115, agentExit: 0, reachedMarker: true });
  });
});

describe('agentState', () => {
  it('reads the state of a JSON progress line, and nothing from other lines', () => {
    expect(agentState(`[  12.0] ${progress('receiving', 3)}`)).toBe('receiving');
    expect(agentState('{"step":"after"}')).toBeUndefined();
    expect(agentState('{"state": broken')).toBeUndefined();
    expect(agentState('castpoint[1.0]: boot')).toBeUndefined();
  });
});
