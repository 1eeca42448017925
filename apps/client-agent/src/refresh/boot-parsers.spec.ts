import { parseBcdeditFirmware } from './bcdedit';
import { BCD_GERMAN, BCD_HYPERV, BCD_OVMF, EFI_DELL, EFI_HP_INACTIVE, EFI_NO_NETWORK, EFI_OVMF, EFI_OVMF_V18, EFI_PLAIN_LENOVO } from './boot-fixtures';
import { parseEfibootmgr } from './efibootmgr';

describe('parseEfibootmgr', () => {
  it('reads order, current, next and every entry of efibootmgr 17 -v on OVMF (description up to the tab, the path after)', () => {
    const s = parseEfibootmgr(EFI_OVMF);
    expect(s).toMatchObject({ current: '0004', next: null, order: ['0004', '0001', '0002', '0003', '0000'] });
    expect(s.entries).toHaveLength(5);
    expect(s.entries[2]).toEqual({
      num: '0002',
      active: true,
      description: 'UEFI PXEv4 (MAC:525400A10001)',
      path: 'PciRoot(0x0)/Pci(0x3,0x0)/MAC(525400a10001,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)N.....YM....R,Y.',
    });
  });

  it.each<[string, string, { current: string | null; next: string | null; order: string[] }, Array<[string, boolean, string]>]>([
    ['efibootmgr 18 with BootNext and trailing blanks in a description', EFI_OVMF_V18, { current: '0005', next: '0001', order: ['0003', '0005', '0001', '0002'] }, [['0001', true, 'UEFI QEMU HARDDISK QM00001'], ['0002', true, 'UEFI PXEv4 (MAC:525400A10002)'], ['0003', true, 'UEFI HTTPv4 (MAC:525400A10002)'], ['0005', true, 'Debian GNU/Linux']]],
    ['an inactive entry has no star', EFI_DELL, { current: '0000', next: null, order: ['0000', '0003', '0004', '0005'] }, [['0000', true, 'ubuntu'], ['0003', true, 'Onboard NIC(IPV4)'], ['0004', false, 'Onboard NIC(IPV6)'], ['0005', true, 'Intel(R) I210 Gigabit  Network Connection(IPV4)']]],
    ['without -v: descriptions only', EFI_PLAIN_LENOVO, { current: '0017', next: null, order: ['0017', '0018', '0019'] }, [['0017', true, 'ubuntu'], ['0018', true, 'PCI LAN'], ['0019', true, 'USB HDD']]],
    ['CRLF line ends and a stray line', 'warning: something\r\nBootOrder: 0001\r\nBoot0001* x\tPciRoot(0x0)\r\n', { current: null, next: null, order: ['0001'] }, [['0001', true, 'x']]],
    ['nothing efibootmgr-like', 'EFI variables are not supported on this system.\n', { current: null, next: null, order: [] }, []],
  ])('%s', (_why, text, head, entries) => {
    const s = parseEfibootmgr(text);
    expect({ current: s.current, next: s.next, order: s.order }).toEqual(head);
    expect(s.entries.map((e) => [e.num, e.active, e.description])).toEqual(entries);
  });

  it('keeps the optional data after the path (efibootmgr 18 " dp:", Windows BCDOBJECT) in the path, not the description', () => {
    expect(parseEfibootmgr(EFI_OVMF_V18).entries[3]?.path).toBe('HD(1,GPT,0d7e1b52-9f0a-4a6e-8c1c-4b5d2f7e9a31,0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi) dp: 04 01 2a 00 01 00 00 00');
    expect(parseEfibootmgr(EFI_HP_INACTIVE).entries[1]?.description).toBe('Windows Boot Manager');
    expect(parseEfibootmgr(EFI_NO_NETWORK).entries.map((e) => e.num)).toEqual(['0000', '0001']);
  });
});

describe('parseBcdeditFirmware', () => {
  it('reads {fwbootmgr}\'s display order and each firmware application (Hyper-V, CRLF)', () => {
    expect(parseBcdeditFirmware(BCD_HYPERV)).toEqual({
      displayOrder: ['{bootmgr}', '{0b4a4a5e-7c2d-11ee-9a1c-00155d010203}', '{0b4a4a5f-7c2d-11ee-9a1c-00155d010203}'],
      objects: [
        expect.objectContaining({ heading: 'Windows Boot Manager', identifier: '{bootmgr}', description: 'Windows Boot Manager' }),
        expect.objectContaining({ heading: 'Firmware Application (101fffff)', identifier: '{0b4a4a5e-7c2d-11ee-9a1c-00155d010203}', description: 'EFI SCSI Device' }),
        expect.objectContaining({ heading: 'Firmware Application (101fffff)', identifier: '{0b4a4a5f-7c2d-11ee-9a1c-00155d010203}', description: 'EFI Network' }),
      ],
    });
  });

  it.each<[string, string, string[], Array<[string, string | null]>]>([
    ['OVMF, LF-only copy', BCD_OVMF.replace(/\r\n/g, '\n'), ['{bootmgr}', '{7d3a1c40-0000-11ef-8000-525400a10001}', '{7d3a1c41-0000-11ef-8000-525400a10001}', '{7d3a1c42-0000-11ef-8000-525400a10002}'], [['{bootmgr}', 'Windows Boot Manager'], ['{7d3a1c40-0000-11ef-8000-525400a10001}', 'UEFI PXEv6 (MAC:525400A10001)'], ['{7d3a1c41-0000-11ef-8000-525400a10001}', 'UEFI PXEv4 (MAC:525400A10001)'], ['{7d3a1c42-0000-11ef-8000-525400a10002}', 'UEFI PXEv4 (MAC:525400A10002)']]],
    ['German: element names translated, read by position', BCD_GERMAN, ['{bootmgr}', '{0b4a4a5f-7c2d-11ee-9a1c-00155d010203}'], [['{bootmgr}', 'partition=\\Device\\HarddiskVolume1'], ['{0b4a4a5f-7c2d-11ee-9a1c-00155d010203}', 'EFI Network 0 for IPv4 (00-15-5D-01-02-03)']]],
    ['an error message instead of a listing', 'The boot configuration data store could not be opened.\r\nAccess is denied.\r\n', [], []],
  ])('%s', (_why, text, order, objects) => {
    const f = parseBcdeditFirmware(text);
    expect(f.displayOrder).toEqual(order);
    expect(f.objects.map((o) => [o.identifier, o.description])).toEqual(objects);
  });
});
