import { uefiMachineConsole, uefiMachineResult } from './vm-uefi-machine';

const MARKER = 'castpoint-vmlab-marker uefi';

// The UEFI VM's console as the lab saw it (lines from a real run, disk first, fewer of them).
const lines = [
  { t: 7.3, text: '>>Start PXE over IPv4.' },
  { t: 7.5, text: 'BdsDxe: loading Boot0002 "UEFI PXEv4 (MAC:525400C90009)" from PciRoot(0x0)/Pci(0x2,0x0)/MAC(525400C90009,0x1)' },
  { t: 11.7, text: 'iPXE initialising devices...ok' },
  { t: 13.8, text: 'castpoint: machine uefi9: deployment vmlab-uefi' },
  { t: 20.1, text: 'castpoint[6.2]: agent start' },
  { t: 22.0, text: '{"state":"receiving","percent":1}' },
  { t: 36.5, text: '{"state":"verifying","percent":100}' },
  { t: 37.0, text: '{"step":"after","after":"reboot"}' },
  { t: 49.3, text: 'BdsDxe: loading Boot0001 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0)' },
  { t: 56.0, text: `${MARKER} booted from disk after 2.42 s` },
];

describe('uefiMachineConsole', () => {
  it('times the firmware\'s PXE, ipxe.efi, the DP\'s script and the deployment from power-on', () => {
    const c = uefiMachineConsole('uefi9', '52:54:00:c9:00:09', lines, MARKER);
    expect(c).toMatchObject({ toPxe: 7.3, toIpxe: 11.7, toScript: 13.8 });
    expect(c.timings).toMatchObject({ toAgentStart: 20.1, transfer: 14.5, agentExit: 0, reachedMarker: true, total: 56 });
  });

  it('has no marker when the console stops before the written disk boots', () => {
    const c = uefiMachineConsole('uefi9', '52:54:00:c9:00:09', lines.slice(0, 4), MARKER);
    expect(c).toMatchObject({ toPxe: 7.3, toIpxe: 11.7, toScript: 13.8 });
    expect(c.timings.reachedMarker).toBe(false);
  });
});

describe('uefiMachineResult', () => {
  it('keeps the DP\'s replies to this MAC and the TFTP transfers to the addresses it was leased', () => {
    const c = uefiMachineConsole('uefi9', '52:54:00:C9:00:09', lines, MARKER);
    const r = uefiMachineResult(c, {
      dhcp: [
        { mac: '52:54:00:c9:00:01', what: 'lease-ack', file: null, address: '10.78.0.100', arch: null, ipxe: false },
        { mac: '52:54:00:c9:00:09', what: 'lease-offer', file: 'ipxe.efi', address: '10.78.0.102', arch: 'efi-x64', ipxe: false },
      ],
      tftp: [
        { peer: '10.78.0.100', file: 'undionly.kpxe', bytes: 1 },
        { peer: '10.78.0.102', file: 'ipxe.efi', bytes: 850528 },
      ],
      scripts: ['bootenv'],
      sessions: [{ image: 'vmdisk-uefi' }],
      clients: [],
    });
    expect(r.dhcp.map((d) => d.address)).toEqual(['10.78.0.102']);
    expect(r.tftp).toEqual([{ peer: '10.78.0.102', file: 'ipxe.efi', bytes: 850528 }]);
    expect(r.scripts).toEqual(['bootenv']);
  });
});
