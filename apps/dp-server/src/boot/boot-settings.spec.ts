import { isCastpointError } from '@castpoint/wire';
import { resolveSettings } from '../config/settings';
import { parseDhcpRange } from './boot-settings';

const base = { 'data-dir': '/var/lib/castpoint', listen: '0.0.0.0:8080', 'mcast-interface': '10.0.0.5' };

function refusal(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (err) {
    return isCastpointError(err) ? `${err.code}: ${err.message}` : String(err);
  }
}

describe('boot settings', () => {
  it('are off unless --boot (flag, CASTPOINT_BOOT or the config file) turns them on', () => {
    expect(resolveSettings({ flags: base }).boot).toBeUndefined();
    expect(resolveSettings({ flags: { ...base, 'dhcp-range': 'garbage' } }).boot).toBeUndefined();
    expect(resolveSettings({ flags: { ...base, boot: true } }).boot).toEqual({
      address: '10.0.0.5',
      bootenvDir: '/var/lib/castpoint/bootenv',
      unknownMachines: 'register-exit',
      ipxeDir: '/usr/lib/ipxe',
      efiFile: 'ipxe.efi',
    });
    expect(resolveSettings({ flags: base, env: { CASTPOINT_BOOT: '1' } }).boot?.address).toBe('10.0.0.5');
    expect(resolveSettings({ flags: base, file: { boot: true, 'boot-interface': '10.0.0.6', 'boot-unknown': 'bootenv' } }).boot).toMatchObject({ address: '10.0.0.6', unknownMachines: 'bootenv' });
    // A flag --no-boot wins over the file.
    expect(resolveSettings({ flags: { ...base, boot: false }, file: { boot: true } }).boot).toBeUndefined();
  });

  it('give UEFI machines snponly.efi when --boot-efi says so, and refuse any other file', () => {
    expect(resolveSettings({ flags: { ...base, boot: true, 'boot-efi': 'snponly.efi' } }).boot?.efiFile).toBe('snponly.efi');
    expect(resolveSettings({ flags: base, env: { CASTPOINT_BOOT: '1', CASTPOINT_BOOT_EFI: 'snponly.efi' } }).boot?.efiFile).toBe('snponly.efi');
    expect(refusal(() => resolveSettings({ flags: { ...base, boot: true, 'boot-efi': '../../etc/passwd' } }))).toBe('DP_BAD_SETTING: boot-efi: expected ipxe.efi or snponly.efi (got "../../etc/passwd")');
  });

  it('parse --dhcp-range with a default /24 mask', () => {
    expect(resolveSettings({ flags: { ...base, boot: true, 'dhcp-range': '10.0.0.100,10.0.0.199' } }).boot?.dhcpRange).toEqual({ start: '10.0.0.100', end: '10.0.0.199', netmask: '255.255.255.0' });
    expect(parseDhcpRange('10.0.1.1, 10.0.1.254, 255.255.254.0', '10.0.0.5')).toEqual({ start: '10.0.1.1', end: '10.0.1.254', netmask: '255.255.254.0' });
  });

  it.each([
    ['10.0.0.100', /START,END/],
    ['10.0.0.200,10.0.0.100', /START is after END/],
    ['10.0.0.100,10.0.0.200,255.0.255.0', /not a netmask/],
    ['10.0.1.100,10.0.1.200', /one subnet/],
    ['10.0.0.1,10.0.0.10', /DP's own address/],
    ['10.0.0.0,10.0.0.4', /network or broadcast/],
    ['10.0.0.300,10.0.0.4', /IPv4 address/],
  ])('refuse --dhcp-range %s', (range, why) => {
    const r = refusal(() => resolveSettings({ flags: { ...base, boot: true, 'dhcp-range': range } }));
    expect(r).toMatch(/^DP_BAD_SETTING: dhcp-range/);
    expect(r).toMatch(why);
  });

  it('refuse a bad boot-unknown policy, boot switch or boot address', () => {
    expect(refusal(() => resolveSettings({ flags: { ...base, boot: true, 'boot-unknown': 'maybe' } }))).toMatch(/register-exit or bootenv/);
    expect(refusal(() => resolveSettings({ flags: base, env: { CASTPOINT_BOOT: 'perhaps' } }))).toMatch(/^DP_BAD_SETTING: boot: expected true or false/);
    expect(refusal(() => resolveSettings({ flags: { ...base, boot: true, 'boot-interface': '255.255.255.255' } }))).toMatch(/boot-interface/);
  });
});
