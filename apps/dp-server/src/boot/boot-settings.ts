// The boot service's settings (`serve --boot`, off by default), parsed from the same layers as
// every other serve setting (config file < CASTPOINT_* env < flags).
import { join, resolve } from 'node:path';
import { DpError } from '../errors';
import { formatIpv4, parseIpv4 } from '../config/parse';

/** What a machine the DP has never seen gets from /boot/ipxe. */
export type UnknownMachinePolicy = 'register-exit' | 'bootenv';

export interface DhcpRange {
  readonly start: string;
  readonly end: string;
  readonly netmask: string;
}

export interface BootSettings {
  /** The DP's IPv4 address on the boot LAN: server id, next server, and the host of script URLs. */
  readonly address: string;
  /** Be the DHCP server of an isolated lab with these addresses; undefined: proxyDHCP beside the LAN's own server. */
  readonly dhcpRange?: DhcpRange;
  /** Directory holding vmlinuz and initrd.img (`castpoint-dp bootenv build`). @default DATA_DIR/bootenv */
  readonly bootenvDir: string;
  /** @default register-exit */
  readonly unknownMachines: UnknownMachinePolicy;
  /** Where Debian's `ipxe` package puts its files. @default /usr/lib/ipxe */
  readonly ipxeDir: string;
  /**
   * What x64 UEFI clients get by TFTP: `ipxe.efi` (iPXE's own NIC drivers) or `snponly.efi` (the
   * firmware's network driver: smaller, and the only choice for NICs iPXE has no driver for).
   * @default ipxe.efi
   */
  readonly efiFile: EfiBootFile;
}

export const EFI_BOOT_FILES = ['ipxe.efi', 'snponly.efi'] as const;
export type EfiBootFile = (typeof EFI_BOOT_FILES)[number];

export const BOOT_SETTING_NAMES = ['boot', 'boot-interface', 'dhcp-range', 'bootenv', 'boot-unknown', 'ipxe-dir', 'boot-efi'] as const;
export type BootSettingName = (typeof BOOT_SETTING_NAMES)[number];

export const BOOT_SETTING_DESCRIPTIONS: Record<BootSettingName, string> = {
  boot: 'Answer PXE/iPXE network boots (proxyDHCP on 67 and 4011, TFTP on 69, /boot/ipxe) [default: off]',
  'boot-interface': 'IPv4 address of the DP on the boot LAN [default: mcast-interface]',
  'dhcp-range': 'Be the DHCP server of an isolated lab: START,END[,NETMASK] (never on a LAN with a DHCP server)',
  bootenv: 'Directory holding the boot environment (vmlinuz, initrd.img) [default: DATA_DIR/bootenv]',
  'boot-unknown': 'What an unknown machine boots: register-exit (register it, boot its disk) or bootenv [default: register-exit]',
  'ipxe-dir': "Directory of Debian's ipxe package files [default: /usr/lib/ipxe]",
  'boot-efi': "What x64 UEFI machines get by TFTP: ipxe.efi (iPXE's NIC drivers) or snponly.efi (the firmware's) [default: ipxe.efi]",
};

function bad(setting: string, value: unknown, why: string): DpError {
  return new DpError('DP_BAD_SETTING', `${setting}: ${why} (got ${JSON.stringify(value)})`, { setting, value });
}

export function parseBootSwitch(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw bad('boot', value, 'expected true or false');
}

/** `10.0.0.100,10.0.0.199[,255.255.255.0]`: both ends inside one subnet of the mask, start <= end. */
export function parseDhcpRange(value: string, address: string): DhcpRange {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) throw bad('dhcp-range', value, 'expected START,END[,NETMASK]');
  const [startText = '', endText = '', maskText = '255.255.255.0'] = parts;
  const start = parseIpv4(startText, 'dhcp-range');
  const end = parseIpv4(endText, 'dhcp-range');
  const mask = parseIpv4(maskText, 'dhcp-range');
  // A netmask is ones then zeros.
  const inverted = ~mask >>> 0;
  if ((inverted & (inverted + 1)) !== 0 || mask === 0) throw bad('dhcp-range', value, `${maskText} is not a netmask`);
  if (start > end) throw bad('dhcp-range', value, 'START is after END');
  const net = (n: number) => (n & mask) >>> 0;
  const own = parseIpv4(address, 'boot-interface');
  if (net(start) !== net(end) || net(start) !== net(own)) throw bad('dhcp-range', value, `START, END and the DP's address ${address} must be in one subnet of ${maskText}`);
  if (own >= start && own <= end) throw bad('dhcp-range', value, `the range holds the DP's own address ${address}`);
  if ((start & inverted) === 0 || (end & inverted) === inverted) throw bad('dhcp-range', value, 'the range holds the network or broadcast address');
  return { start: formatIpv4(start), end: formatIpv4(end), netmask: formatIpv4(mask) };
}

/** undefined when `boot` is off: the other boot settings are then ignored. */
export function parseBootSettings(raw: (name: BootSettingName) => string | undefined, dataDir: string, mcastInterface: string): BootSettings | undefined {
  if (!parseBootSwitch(raw('boot'))) return undefined;
  const address = raw('boot-interface') ?? mcastInterface;
  const bits = parseIpv4(address, 'boot-interface');
  if (bits === 0 || bits >= 0xe0000000) throw bad('boot-interface', address, 'must be an IPv4 address of this host on the boot LAN');
  const range = raw('dhcp-range');
  const unknown = raw('boot-unknown') ?? 'register-exit';
  if (unknown !== 'register-exit' && unknown !== 'bootenv') throw bad('boot-unknown', unknown, 'expected register-exit or bootenv');
  const efi = raw('boot-efi') ?? 'ipxe.efi';
  const efiFile = EFI_BOOT_FILES.find((f) => f === efi);
  if (!efiFile) throw bad('boot-efi', efi, `expected ${EFI_BOOT_FILES.join(' or ')}`);
  return {
    address,
    ...(range !== undefined && range !== '' ? { dhcpRange: parseDhcpRange(range, address) } : {}),
    bootenvDir: resolve(raw('bootenv') ?? join(dataDir, 'bootenv')),
    unknownMachines: unknown,
    ipxeDir: resolve(raw('ipxe-dir') ?? '/usr/lib/ipxe'),
    efiFile,
  };
}
