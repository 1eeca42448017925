import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Host, Lan } from '@castpoint/netlab';

/**
 * busybox udhcpd's configuration for a lab LAN: leases from .100 of the server's /24, no router
 * (the LAN is isolated; the boot environment routes multicast by the leased NIC).
 */
export function udhcpdConfig(serverIp: string, dir: string, iface = 'eth0'): string {
  const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(serverIp);
  if (!m) throw new RangeError(`bad server address ${serverIp}`);
  return [
    `start ${m[1] ?? ''}.100`,
    `end ${m[1] ?? ''}.199`,
    `interface ${iface}`,
    'max_leases 100',
    `lease_file ${path.join(dir, 'udhcpd.leases')}`,
    `pidfile ${path.join(dir, 'udhcpd.pid')}`,
    'opt subnet 255.255.255.0',
    'opt lease 3600',
    '',
  ].join('\n');
}

/**
 * A DHCP server for VMs booted straight into the boot environment (qemu -kernel), where no PXE
 * service runs: busybox udhcpd in the server host's namespace, ARP ping-check shortened to 100 ms.
 */
export function startLabDhcp(lan: Lan, host: Host, dir: string): ChildProcess {
  const conf = path.join(dir, 'udhcpd.conf');
  writeFileSync(conf, udhcpdConfig(host.ip, dir));
  writeFileSync(path.join(dir, 'udhcpd.leases'), '');
  return lan.spawn(host, 'busybox', ['udhcpd', '-f', '-a', '100', conf]);
}
