import type { NetworkInterfaceInfo } from 'node:os';
import { AgentError } from '../errors';
import { ipv4ToInt, pickInterface, type InterfaceTable } from './interface-pick';

const v4 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: null,
});

const nics: InterfaceTable = {
  lo: [v4('127.0.0.1', '255.0.0.0', true)],
  eth0: [v4('10.77.0.2', '255.255.255.0')],
  eth1: [v4('10.0.0.7', '255.255.0.0'), { ...v4('fe80::1', 'ffff::'), family: 'IPv6' } as NetworkInterfaceInfo],
  eth2: [v4('10.0.5.7', '255.255.255.0')],
};

describe('pickInterface', () => {
  it('accepts an explicit address of this machine', () => {
    expect(pickInterface('10.0.0.7', '192.168.1.1', nics)).toMatchObject({ address: '10.0.0.7', name: 'eth1' });
  });

  it('refuses an explicit address that is not local, listing the ones that are', () => {
    expect(() => pickInterface('10.9.9.9', '10.77.0.1', nics)).toThrow(/neither an interface nor an IPv4 address of this machine; it has .*eth0 \(10\.77\.0\.2\)/);
  });

  it('accepts an interface name, standing for its (first) IPv4 address', () => {
    expect(pickInterface('eth0', '', nics)).toEqual({ address: '10.77.0.2', name: 'eth0', why: '--interface eth0 (10.77.0.2)' });
    const windows: InterfaceTable = { ...nics, 'Ethernet 2': [v4('10.1.0.5', '255.255.255.0'), v4('10.2.0.5', '255.255.255.0')] };
    expect(pickInterface('Ethernet 2', '', windows)).toMatchObject({ address: '10.1.0.5', why: '--interface Ethernet 2 (10.1.0.5, the first of its 2 IPv4 addresses)' });
  });

  it('refuses a name this machine does not have, or one without an IPv4 address', () => {
    expect(() => pickInterface('eth9', '', nics)).toThrow(/--interface eth9 is neither an interface nor an IPv4 address of this machine; it has lo \(127\.0\.0\.1\), eth0/);
    const v6only: InterfaceTable = { ...nics, wlan0: [{ ...v4('fe80::2', 'ffff::'), family: 'IPv6' } as NetworkInterfaceInfo] };
    expect(() => pickInterface('wlan0', '', v6only)).toThrow(/the interface wlan0 has no IPv4 address/);
  });

  it('picks the interface whose subnet holds the DP, and says so', () => {
    const p = pickInterface(undefined, '10.77.0.1', nics);
    expect(p.address).toBe('10.77.0.2');
    expect(p.why).toBe('interface eth0 (10.77.0.2/24), whose subnet holds the DP address 10.77.0.1');
  });

  it('prefers the most specific subnet', () => {
    expect(pickInterface(undefined, '10.0.5.1', nics).name).toBe('eth2');
    expect(pickInterface(undefined, '10.0.9.1', nics).name).toBe('eth1');
  });

  it('errors out clearly when no subnet holds the DP', () => {
    let err: unknown;
    try {
      pickInterface(undefined, '192.168.1.1', nics);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('no-interface');
    expect((err as AgentError).message).toMatch(/pass --interface with one of: 10\.77\.0\.2 \(eth0\)/);
    expect((err as AgentError).message).not.toContain('127.0.0.1');
  });

  it('parses dotted quads strictly', () => {
    expect(ipv4ToInt('255.255.255.0')).toBe(0xffffff00);
    expect(ipv4ToInt('256.0.0.1')).toBeUndefined();
    expect(ipv4ToInt('a.b.c.d')).toBeUndefined();
  });
});
