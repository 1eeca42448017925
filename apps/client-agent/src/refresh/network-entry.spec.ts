import { parseBcdeditFirmware } from './bcdedit';
import { BCD_GERMAN, BCD_HYPERV, BCD_OVMF, EFI_DELL, EFI_HP_INACTIVE, EFI_NO_NETWORK, EFI_OVMF, EFI_OVMF_V18, EFI_PLAIN_LENOVO } from './boot-fixtures';
import { parseEfibootmgr } from './efibootmgr';
import { bcdBootEntries, classifyEntry, efiBootEntries, pickNetworkEntry, type NetworkPick } from './network-entry';

function efi(text: string, macs: string[]): NetworkPick {
  const s = parseEfibootmgr(text);
  return pickNetworkEntry(efiBootEntries(s.entries), macs, s.order);
}

function bcd(text: string, macs: string[]): NetworkPick {
  const f = parseBcdeditFirmware(text);
  return pickNetworkEntry(bcdBootEntries(f.objects), macs, f.displayOrder);
}

const said = (p: NetworkPick): string => (p.ok ? `${p.pick.entry.id} ${p.pick.kind} (${p.why})` : `none: ${p.reason}`);

describe('pickNetworkEntry', () => {
  it.each<[string, NetworkPick, string]>([
    ['OVMF: PXEv4 before PXEv6, by MAC path', efi(EFI_OVMF, ['52:54:00:a1:00:01']), "0002 pxe-ipv4 (PXE over IPv4, this machine's NIC 52:54:00:a1:00:01)"],
    ['OVMF: the NIC is not one the agent saw: still PXEv4', efi(EFI_OVMF, ['52:54:00:ff:ff:ff']), '0002 pxe-ipv4 (PXE over IPv4)'],
    ['efibootmgr 18: PXEv4 before HTTPv4 that is first in BootOrder', efi(EFI_OVMF_V18, ['52:54:00:a1:00:02']), "0002 pxe-ipv4 (PXE over IPv4, this machine's NIC 52:54:00:a1:00:02)"],
    ['Dell: the add-in NIC the DP knows before the onboard one', efi(EFI_DELL, ['a0:36:9f:11:22:33']), "0005 pxe-ipv4 (PXE over IPv4, this machine's NIC a0:36:9f:11:22:33)"],
    ['Dell: no MAC match: boot order decides between the IPv4 ones', efi(EFI_DELL, ['00:00:00:00:00:01']), '0003 pxe-ipv4 (PXE over IPv4)'],
    ['HP: only inactive network entries: named, none picked', efi(EFI_HP_INACTIVE, ['70:5a:0f:12:34:56']), 'none: the network boot entries are inactive: 0000 "IPV4 Network - Intel(R) Ethernet Connection I219-LM"'],
    ['no network entry: every entry named', efi(EFI_NO_NETWORK, []), 'none: no boot entry is a network boot (2 entries: 0000 "Windows Boot Manager", 0001 "Fedora")'],
    ['no -v: a "PCI LAN" description is enough', efi(EFI_PLAIN_LENOVO, []), '0018 network (a network boot)'],
    ['no entries at all', efi('', []), 'none: no boot entry is a network boot (0 entries: none)'],
    ['Hyper-V: "EFI Network"', bcd(BCD_HYPERV, ['00:15:5d:01:02:03']), '{0b4a4a5f-7c2d-11ee-9a1c-00155d010203} network (a network boot)'],
    ['OVMF under Windows: PXEv4 of the NIC the DP knows', bcd(BCD_OVMF, ['52:54:00:a1:00:02']), "{7d3a1c42-0000-11ef-8000-525400a10002} pxe-ipv4 (PXE over IPv4, this machine's NIC 52:54:00:a1:00:02)"],
    ['OVMF under Windows: no MAC match, display order', bcd(BCD_OVMF, []), '{7d3a1c41-0000-11ef-8000-525400a10001} pxe-ipv4 (PXE over IPv4)'],
    ['German Windows, MAC written with dashes', bcd(BCD_GERMAN, ['00-15-5D-01-02-03']), "{0b4a4a5f-7c2d-11ee-9a1c-00155d010203} pxe-ipv4 (PXE over IPv4, this machine's NIC 00:15:5d:01:02:03)"],
  ])('%s', (_why, pick, expected) => {
    expect(said(pick)).toBe(expected);
  });

  it.each<[string, string, string, string | null]>([
    ['UEFI PXEv4 (MAC:525400A10001)', '', 'pxe-ipv4', '52:54:00:a1:00:01'],
    ['UEFI HTTPv6 (MAC:525400A10001)', '', 'http', '52:54:00:a1:00:01'],
    ['Realtek PXE B02 D00', '', 'pxe-ipv4', null],
    ['iPXE', '', 'network', null],
    ['EFI USB Device', 'PciRoot(0x0)/Pci(0x14,0x0)/USB(3,0)', 'not network', null],
    ['Broadcom NetXtreme', 'PciRoot(0x0)/Pci(0x1c,0x0)/Pci(0x0,0x0)/MAC(001018abcdef,1)', 'network', '00:10:18:ab:cd:ef'],
    ['Planning', '', 'not network', null],
    ['WANDERLAN', '', 'not network', null],
  ])('classifies %j', (description, path, kind, mac) => {
    const c = classifyEntry({ id: '0001', description, path, active: true });
    expect(c === null ? ['not network', null] : [c.kind, c.mac]).toEqual([kind, mac]);
  });
});
