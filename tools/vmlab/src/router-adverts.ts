import { execFileSync, type ChildProcess } from 'node:child_process';
import type { Host, Lan } from '@castpoint/netlab';

/** The lab LAN's IPv6 prefix (unique local): only advertised, never routed anywhere. */
export const LAB_IPV6_PREFIX = 'fd78:6361:7374::';

/**
 * dnsmasq's arguments for router advertisements only, on `iface`: no DNS (`--port=0`), no DHCPv4
 * (no IPv4 range; the DP is the lab's DHCP server) and no DHCPv6 (`ra-only`).
 */
export function routerAdvertArgs(iface: string, prefix = LAB_IPV6_PREFIX): string[] {
  if (!/^[\w.-]{1,15}$/.test(iface)) throw new RangeError(`bad interface name ${iface}`);
  if (!/^[0-9a-f:]+::$/.test(prefix)) throw new RangeError(`prefix must be an IPv6 /64 written PREFIX::, got ${prefix}`);
  return [
    '--keep-in-foreground', '--log-facility=-', '--port=0', '--no-resolv', '--no-hosts', '--leasefile-ro',
    `--pid-file=`, `--interface=${iface}`, '--bind-interfaces',
    '--enable-ra', `--dhcp-range=${prefix},ra-only,64,1h`,
  ];
}

/**
 * Router advertisements on the lab LAN from `host` (dnsmasq in its namespace). Why: iPXE's
 * "Configuring (net0 ...)" waits for IPv6 autoconfiguration as well as DHCPv4, ~16 s per boot on a
 * LAN where no router speaks, under 1 s with an advertisement (measured: docs/netboot.md). The
 * host gets an address in the prefix first (dnsmasq advertises its interface's prefixes).
 */
export function startRouterAdverts(lan: Lan, host: Host, prefix = LAB_IPV6_PREFIX): ChildProcess {
  execFileSync('ip', ['-n', host.ns, '-6', 'addr', 'add', `${prefix}1/64`, 'dev', host.iface, 'nodad'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return lan.spawn(host, 'dnsmasq', routerAdvertArgs(host.iface, prefix));
}
