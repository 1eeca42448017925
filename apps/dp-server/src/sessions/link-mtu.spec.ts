import type { NetworkInterfaceInfo } from 'node:os';
import { DpError } from '../errors';
import { checkSymbolSizeFits, linkMtu } from './link-mtu';

const nic = (address: string, internal: boolean): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:00:00:01', internal, cidr: `${address}/24` });
const nics = { lo: [nic('127.0.0.1', true)], eth0: [nic('10.77.0.1', false)] };

describe('the DP link MTU', () => {
  it('is the interface\'s MTU for a LAN address', () => {
    expect(linkMtu('10.77.0.1', nics, (a) => (a === '10.77.0.1' ? 9000 : undefined))).toBe(9000);
  });

  it('counts loopback (65536) and an unknown MTU as 1500', () => {
    expect(linkMtu('127.0.0.1', nics, () => 65_536)).toBe(1500);
    expect(linkMtu('10.77.0.1', nics, () => undefined)).toBe(1500);
  });

  it('refuses a fixed symbol size whose packets the interface cannot send whole, and accepts auto or one that fits', () => {
    expect(() => checkSymbolSizeFits(8900, 1500, '10.77.0.1')).toThrow(DpError);
    expect(() => checkSymbolSizeFits(8900, 1500, '10.77.0.1')).toThrow(/symbol-size 8900 makes data packets larger than the MTU 1500 of mcast-interface 10.77.0.1/);
    expect(() => checkSymbolSizeFits(8900, 9000, '10.77.0.1')).not.toThrow();
    expect(() => checkSymbolSizeFits('auto', 576, '10.77.0.1')).not.toThrow();
  });
});
