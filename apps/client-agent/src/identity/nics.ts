import type { SysFs } from './sysfs';

export interface Nic {
  name: string;
  mac: string;
  /** Backed by a device (a real NIC); false for veth, bridges, tun and the like. */
  physical: boolean;
}

const ETHERNET_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const ARPHRD_LOOPBACK = '772';

/** Every interface with a 6-octet MAC from /sys/class/net, loopback and all-zero MACs left out. */
export function readNics(sys: SysFs): Nic[] {
  const nics: Nic[] = [];
  for (const name of sys.list('sys/class/net')) {
    if (sys.attr('sys/class/net', name, 'type') === ARPHRD_LOOPBACK) continue;
    const mac = sys.attr('sys/class/net', name, 'address')?.toLowerCase();
    if (!mac || !ETHERNET_MAC.test(mac) || mac === '00:00:00:00:00:00') continue;
    nics.push({ name, mac, physical: sys.exists('sys/class/net', name, 'device') });
  }
  return nics;
}

/**
 * The MACs the machine is known by. Virtual interfaces (bridges, veth, tun, docker0) get new MACs
 * on every boot and would make a machine look new each time, so only NICs with a device count;
 * a machine with none (a container, a namespace of the test LAN) reports its virtual ones.
 */
export function identityMacs(nics: readonly Nic[]): string[] {
  const physical = nics.filter((n) => n.physical);
  return [...new Set((physical.length > 0 ? physical : nics).map((n) => n.mac))].sort();
}
