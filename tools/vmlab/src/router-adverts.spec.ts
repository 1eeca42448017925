import { routerAdvertArgs } from './router-adverts';

describe('routerAdvertArgs', () => {
  it('runs dnsmasq for router advertisements only: no DNS, no DHCPv4 range, no DHCPv6, in the foreground', () => {
    const a = routerAdvertArgs('eth0');
    expect(a).toContain('--port=0');
    expect(a).toContain('--enable-ra');
    expect(a).toContain('--keep-in-foreground');
    expect(a).toContain('--interface=eth0');
    expect(a.filter((x) => x.startsWith('--dhcp-range='))).toEqual(['--dhcp-range=fd78:6361:7374::,ra-only,64,1h']);
  });

  it('refuses an interface name or prefix that is not one', () => {
    expect(() => routerAdvertArgs('eth0; reboot')).toThrow(RangeError);
    expect(() => routerAdvertArgs('eth0', '10.0.0.0')).toThrow(/PREFIX::/);
  });
});
