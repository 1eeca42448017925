import type { NetworkInterfaceInfo } from 'node:os';
import type { InterfaceTable } from '../flow/interface-pick';
import { MAX_REQUEST_MACS, requestMacs } from './request-macs';

const nic = (mac: string, internal = false): NetworkInterfaceInfo => ({ address: '10.0.0.2', netmask: '255.255.255.0', family: 'IPv4', mac, internal, cidr: '10.0.0.2/24' });

describe('requestMacs: the MACs an agent sends with its session request', () => {
  const table: InterfaceTable = {
    lo: [nic('00:00:00:00:00:00', true)],
    eth0: [nic('52:54:00:AA:00:01'), { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:aa:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 }],
    eth1: [nic('52:54:00:aa:00:02')],
    tun0: [nic('')],
  };

  it('lists each real MAC once, lower case, without loopback, all-zero or empty ones', () => {
    expect(requestMacs(table)).toEqual(['52:54:00:aa:00:01', '52:54:00:aa:00:02']);
  });

  it('puts the interface it receives on first', () => {
    expect(requestMacs(table, 'eth1')).toEqual(['52:54:00:aa:00:02', '52:54:00:aa:00:01']);
  });

  it('is empty for a machine that shows no MAC (the request then carries none)', () => {
    expect(requestMacs({ tun0: [nic('')] })).toEqual([]);
  });

  it(`sends at most ${MAX_REQUEST_MACS} (the DP refuses more)`, () => {
    const many: InterfaceTable = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`eth${i}`, [nic(`52:54:00:00:01:${i.toString(16).padStart(2, '0')}`)]]));
    expect(requestMacs(many)).toHaveLength(MAX_REQUEST_MACS);
  });
});
