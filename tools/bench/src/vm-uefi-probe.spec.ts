import { uefiProbeConsole, uefiProbeResult } from './vm-uefi-probe';

// The UEFI VM's console as the lab saw it (lines from a real run, fewer of them).
const lines = [
  { t: 16.7, text: '>>Start PXE over IPv4.' },
  { t: 16.8, text: '  NBP filename is ipxe.efi' },
  { t: 17.7, text: 'BdsDxe: starting Boot0002 "UEFI PXEv4 (MAC:525400C90009)" from PciRoot(0x0)/Pci(0x2,0x0)/MAC(525400C90009,0x1)' },
  { t: 22.71, text: 'iPXE initialising devices...ok' },
  { t: 24.9, text: 'castpoint: unknown machine unknown-525400c90009: nothing to do; booting from disk' },
];

describe('uefiProbeConsole', () => {
  it('times the firmware\'s PXE, ipxe.efi and the DP\'s script from power-on', () => {
    expect(uefiProbeConsole('uefi9', '52:54:00:c9:00:09', lines)).toMatchObject({ toPxe: 16.7, toIpxe: 22.7, toScript: 24.9 });
    expect(uefiProbeConsole('uefi9', '52:54:00:c9:00:09', lines.slice(0, 2))).toMatchObject({ toPxe: 16.7, toIpxe: undefined, toScript: undefined });
  });
});

describe('uefiProbeResult', () => {
  it('keeps the DP\'s replies to this MAC and the TFTP transfers to the addresses it was leased', () => {
    const c = uefiProbeConsole('uefi9', '52:54:00:C9:00:09', lines);
    const r = uefiProbeResult(
      c,
      [
        { mac: '52:54:00:c9:00:01', what: 'lease-ack', file: null, address: '10.78.0.100', arch: null, ipxe: false },
        { mac: '52:54:00:c9:00:09', what: 'lease-offer', file: 'ipxe.efi', address: '10.78.0.102', arch: 'efi-x64', ipxe: false },
      ],
      [
        { peer: '10.78.0.100', file: 'undionly.kpxe', bytes: 1 },
        { peer: '10.78.0.102', file: 'ipxe.efi', bytes: 850528 },
      ],
      ['exit'],
    );
    expect(r.dhcp.map((d) => d.address)).toEqual(['10.78.0.102']);
    expect(r.tftp).toEqual([{ peer: '10.78.0.102', file: 'ipxe.efi', bytes: 850528 }]);
    expect(r.scripts).toEqual(['exit']);
  });
});
