import type { NetworkInterfaceInfo } from 'node:os';
import { listeningMessage, reachableUrls } from './listen-urls';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: `${address}/24` });
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal, cidr: `${address}/64`, scopeid: 0 });

const HOST = {
  lo: [v4('127.0.0.1', true), v6('::1', true)],
  eth0: [v4('10.0.0.5'), v6('fe80::1'), v6('2001:db8::5')],
  eth1: [v4('192.168.50.1')],
};

describe('where the DP can be reached (its start line)', () => {
  it('on 0.0.0.0: every non-internal IPv4 address, and the dashboard at the first', () => {
    const r = reachableUrls('0.0.0.0', 8080, HOST);
    expect(r).toEqual({ urls: ['http://10.0.0.5:8080', 'http://192.168.50.1:8080'], dashboard: 'http://10.0.0.5:8080/' });
    expect(listeningMessage(r)).toBe('castpoint-dp listening on http://10.0.0.5:8080, http://192.168.50.1:8080; dashboard http://10.0.0.5:8080/');
  });

  it('on ::: IPv4 then IPv6 addresses, bracketed, without link-local ones', () => {
    expect(reachableUrls('::', 8080, HOST).urls).toEqual(['http://10.0.0.5:8080', 'http://192.168.50.1:8080', 'http://[2001:db8::5]:8080']);
  });

  it('on a wildcard with only loopback: the loopback address', () => {
    expect(reachableUrls('0.0.0.0', 8080, { lo: HOST.lo })).toEqual({ urls: ['http://127.0.0.1:8080'], dashboard: 'http://127.0.0.1:8080/' });
  });

  it('on a given address: that address only (with the bound port)', () => {
    expect(reachableUrls('10.0.0.5', 41234, HOST)).toEqual({ urls: ['http://10.0.0.5:41234'], dashboard: 'http://10.0.0.5:41234/' });
    expect(reachableUrls('::1', 8080, HOST).urls).toEqual(['http://[::1]:8080']);
  });
});
