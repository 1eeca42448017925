// Firmware boot listings for the parser and picker tables. Where they come from: written by hand
// in the exact layout of efibootmgr 17 (Debian 12) and 18 (Debian 13: optional data shown after
// the path, `{auto_created_boot_option}`), as its README and man page show it, and of
// `bcdedit /enum firmware` as Microsoft's "Remove duplicate firmware objects in BCD and NVRAM"
// page shows it; entry names are those the firmware writes: EDK2/OVMF (qemu) "UEFI PXEv4
// (MAC:...)", Hyper-V generation 2 "EFI Network"/"EFI SCSI Device", Dell, HP and Lenovo. None was
// captured on this project's machine: it boots by BIOS and runs no Windows. The VM lab's UEFI VM
// (OVMF) is where a captured listing can replace the first one.

/** qemu + OVMF, virtio disk and NIC, Debian 12 installed: efibootmgr 17 `-v`. */
export const EFI_OVMF = [
  'BootCurrent: 0004',
  'Timeout: 0 seconds',
  'BootOrder: 0004,0001,0002,0003,0000',
  'Boot0000* UiApp\tFvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)',
  'Boot0001* UEFI Misc Device\tPciRoot(0x0)/Pci(0x4,0x0)N.....YM....R,Y.',
  'Boot0002* UEFI PXEv4 (MAC:525400A10001)\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400a10001,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)N.....YM....R,Y.',
  'Boot0003* UEFI PXEv6 (MAC:525400A10001)\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400a10001,1)/IPv6([::]:<->[::]:,0,0)N.....YM....R,Y.',
  'Boot0004* debian\tHD(1,GPT,6f4c2a55-3b1e-4c8e-9a57-2d0d7a1f3b10,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)',
  '',
].join('\n');

/** efibootmgr 18 on OVMF with an HTTP boot entry first in order and BootNext already set. */
export const EFI_OVMF_V18 = [
  'BootNext: 0001',
  'BootCurrent: 0005',
  'Timeout: 3 seconds',
  'BootOrder: 0003,0005,0001,0002',
  'Boot0001* UEFI QEMU HARDDISK QM00001 \tPciRoot(0x0)/Pci(0x1,0x1)/Ata(0,0,0){auto_created_boot_option}',
  'Boot0002* UEFI PXEv4 (MAC:525400A10002)\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400a10002,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0){auto_created_boot_option}',
  'Boot0003* UEFI HTTPv4 (MAC:525400A10002)\tPciRoot(0x0)/Pci(0x3,0x0)/MAC(525400a10002,1)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)/Uri(){auto_created_boot_option}',
  'Boot0005* Debian GNU/Linux\tHD(1,GPT,0d7e1b52-9f0a-4a6e-8c1c-4b5d2f7e9a31,0x800,0x100000)/File(\\EFI\\debian\\grubx64.efi) dp: 04 01 2a 00 01 00 00 00',
  '',
].join('\n');

/** A Dell desktop, two NICs: onboard (the one the DP knows) and an add-in card; IPv6 disabled. */
export const EFI_DELL = [
  'BootCurrent: 0000',
  'Timeout: 0 seconds',
  'BootOrder: 0000,0003,0004,0005',
  'Boot0000* ubuntu\tHD(1,GPT,a1b2c3d4-0000-4000-8000-00000000beef,0x800,0x219800)/File(\\EFI\\ubuntu\\shimx64.efi)',
  'Boot0003* Onboard NIC(IPV4)\tPciRoot(0x0)/Pci(0x1f,0x6)/MAC(d89ef3a1b2c3,0)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)..BO',
  'Boot0004  Onboard NIC(IPV6)\tPciRoot(0x0)/Pci(0x1f,0x6)/MAC(d89ef3a1b2c3,0)/IPv6([::]:<->[::]:,0,0)..BO',
  'Boot0005* Intel(R) I210 Gigabit  Network Connection(IPV4)\tPciRoot(0x0)/Pci(0x1c,0x4)/Pci(0x0,0x0)/MAC(a0369f112233,0)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)..BO',
  '',
].join('\n');

/** An HP laptop whose network entries are all switched off (the firmware skips them). */
export const EFI_HP_INACTIVE = [
  'BootCurrent: 0001',
  'Timeout: 0 seconds',
  'BootOrder: 0001,0002,0000',
  'Boot0000  IPV4 Network - Intel(R) Ethernet Connection I219-LM\tPciRoot(0x0)/Pci(0x1f,0x6)/MAC(705a0f123456,0)/IPv4(0.0.0.0,0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)',
  'Boot0001* Windows Boot Manager\tHD(2,GPT,5c1e7a9b-1d2e-4f3a-8b4c-6d7e8f9a0b1c,0x1000,0x82000)/File(\\EFI\\Microsoft\\Boot\\bootmgfw.efi)WINDOWS.........x...B.C.D.O.B.J.E.C.T.=.{.9.d.e.a.8.6.2.c.-.5.c.d.d.-.4.e.7.0.-.a.c.c.1.-.f.3.2.b.3.4.4.d.4.7.9.5.}....................',
  'Boot0002* debian\tHD(1,GPT,5c1e7a9b-1d2e-4f3a-8b4c-6d7e8f9a0b1d,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)',
  '',
].join('\n');

/** A machine with no network entry at all (network boot disabled in the firmware setup). */
export const EFI_NO_NETWORK = [
  'BootCurrent: 0001',
  'Timeout: 1 seconds',
  'BootOrder: 0001,0000',
  'Boot0000* Windows Boot Manager\tHD(2,GPT,5c1e7a9b-1d2e-4f3a-8b4c-6d7e8f9a0b1c,0x1000,0x82000)/File(\\EFI\\Microsoft\\Boot\\bootmgfw.efi)',
  'Boot0001* Fedora\tHD(1,GPT,5c1e7a9b-1d2e-4f3a-8b4c-6d7e8f9a0b1d,0x800,0x100000)/File(\\EFI\\fedora\\shimx64.efi)',
  '',
].join('\n');

/** efibootmgr without -v (or an old one): descriptions only, a Lenovo "PCI LAN" entry. */
export const EFI_PLAIN_LENOVO = ['BootCurrent: 0017', 'BootOrder: 0017,0018,0019', 'Boot0017* ubuntu', 'Boot0018* PCI LAN', 'Boot0019* USB HDD', ''].join('\n');

/** Hyper-V generation 2 VM, Windows 11 installed: `bcdedit /enum firmware` (CRLF, as Windows prints). */
export const BCD_HYPERV = [
  '',
  'Firmware Boot Manager',
  '---------------------',
  'identifier              {fwbootmgr}',
  'displayorder            {bootmgr}',
  '                        {0b4a4a5e-7c2d-11ee-9a1c-00155d010203}',
  '                        {0b4a4a5f-7c2d-11ee-9a1c-00155d010203}',
  'timeout                 0',
  '',
  'Windows Boot Manager',
  '--------------------',
  'identifier              {bootmgr}',
  'device                  partition=\\Device\\HarddiskVolume1',
  'path                    \\EFI\\Microsoft\\Boot\\bootmgfw.efi',
  'description             Windows Boot Manager',
  'locale                  en-US',
  'inherit                 {globalsettings}',
  'default                 {current}',
  'displayorder            {current}',
  'toolsdisplayorder       {memdiag}',
  'timeout                 30',
  '',
  'Firmware Application (101fffff)',
  '-------------------------------',
  'identifier              {0b4a4a5e-7c2d-11ee-9a1c-00155d010203}',
  'description             EFI SCSI Device',
  '',
  'Firmware Application (101fffff)',
  '-------------------------------',
  'identifier              {0b4a4a5f-7c2d-11ee-9a1c-00155d010203}',
  'description             EFI Network',
  '',
].join('\r\n');

/** qemu + OVMF, Windows installed, two NICs (the second is the one the DP knows), IPv4 and IPv6 each. */
export const BCD_OVMF = [
  'Firmware Boot Manager',
  '---------------------',
  'identifier              {fwbootmgr}',
  'displayorder            {bootmgr}',
  '                        {7d3a1c40-0000-11ef-8000-525400a10001}',
  '                        {7d3a1c41-0000-11ef-8000-525400a10001}',
  '                        {7d3a1c42-0000-11ef-8000-525400a10002}',
  'timeout                 3',
  '',
  'Windows Boot Manager',
  '--------------------',
  'identifier              {bootmgr}',
  'device                  partition=\\Device\\HarddiskVolume1',
  'path                    \\EFI\\Microsoft\\Boot\\bootmgfw.efi',
  'description             Windows Boot Manager',
  '',
  'Firmware Application (101fffff)',
  '-------------------------------',
  'identifier              {7d3a1c40-0000-11ef-8000-525400a10001}',
  'description             UEFI PXEv6 (MAC:525400A10001)',
  '',
  'Firmware Application (101fffff)',
  '-------------------------------',
  'identifier              {7d3a1c41-0000-11ef-8000-525400a10001}',
  'description             UEFI PXEv4 (MAC:525400A10001)',
  '',
  'Firmware Application (101fffff)',
  '-------------------------------',
  'identifier              {7d3a1c42-0000-11ef-8000-525400a10002}',
  'description             UEFI PXEv4 (MAC:525400A10002)',
  '',
].join('\r\n');

/** The same as BCD_HYPERV on a German Windows: headings and element names are translated. */
export const BCD_GERMAN = [
  'Start-Manager für Firmware',
  '--------------------------',
  'Bezeichner              {fwbootmgr}',
  'Anzeigereihenfolge      {bootmgr}',
  '                        {0b4a4a5f-7c2d-11ee-9a1c-00155d010203}',
  'Zeitlimit               0',
  '',
  'Windows-Start-Manager',
  '---------------------',
  'Bezeichner              {bootmgr}',
  'device                  partition=\\Device\\HarddiskVolume1',
  'Beschreibung            Windows Boot Manager',
  '',
  'Firmwareanwendung (101fffff)',
  '----------------------------',
  'Bezeichner              {0b4a4a5f-7c2d-11ee-9a1c-00155d010203}',
  'Beschreibung            EFI Network 0 for IPv4 (00-15-5D-01-02-03)',
  '',
].join('\r\n');
