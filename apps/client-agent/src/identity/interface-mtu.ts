// The MTU of the interface the agent receives multicast on, sent with its session request: the DP
// sizes a session's packets to fit every receiver (jumbo frames: up to 8900-byte symbols, issue
// 29.4). Linux reads sysfs; elsewhere (Windows) it is unknown and the field is left out, and the
// DP assumes 1500, as for an older agent.
import { readFileSync } from 'node:fs';
import { MAX_REPORTED_MTU, MIN_MTU } from '@castpoint/wire';

/** The MTU sysfs gives for interface `name`, or undefined (no sysfs, no such interface, junk). */
export function readInterfaceMtu(name: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number | undefined {
  // An interface name never holds a slash; one that did would read outside the interface's directory.
  if (name.length === 0 || name.includes('/') || name === '.' || name === '..') return undefined;
  let text: string;
  try {
    text = read(`/sys/class/net/${name}/mtu`);
  } catch {
    return undefined;
  }
  const mtu = Number(text.trim());
  return Number.isInteger(mtu) && mtu >= MIN_MTU ? mtu : undefined;
}

/**
 * The request body's `mtu` field: absent when unknown. Loopback's 65536 (tests, netlab's light
 * mode) is sent as 65535, the most the DP's schema takes (an IPv4 packet's limit).
 */
export function mtuField(mtu: number | undefined): { mtu?: number } {
  return mtu === undefined ? {} : { mtu: Math.min(mtu, MAX_REPORTED_MTU) };
}
