// Which local interface joins the multicast group. An explicit --interface must be an address of
// this machine; without it, the interface whose IPv4 subnet holds the DP's address is used, and the
// agent says which, because a wrong guess on a multi-homed machine looks like "multicast is silent".
import type { NetworkInterfaceInfo } from 'node:os';
import { AgentError } from '../errors';

export type InterfaceTable = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

export interface PickedInterface {
  readonly address: string;
  readonly name: string;
  /** Why this one: shown to the technician. */
  readonly why: string;
}

export function pickInterface(explicit: string | undefined, dpAddress: string, nics: InterfaceTable): PickedInterface {
  const v4 = Object.entries(nics).flatMap(([name, list]) =>
    (list ?? []).filter((i) => i.family === 'IPv4').map((i) => ({ name, info: i })),
  );
  if (explicit !== undefined) return pickExplicit(explicit, v4, nics);
  const dp = ipv4ToInt(dpAddress);
  if (dp !== undefined) {
    const hits = v4.filter((x) => {
      const a = ipv4ToInt(x.info.address);
      const m = ipv4ToInt(x.info.netmask);
      return a !== undefined && m !== undefined && (a & m) >>> 0 === (dp & m) >>> 0;
    });
    // The most specific subnet wins (a /30 point-to-point link beats a /16 campus network).
    hits.sort((a, b) => popcount(ipv4ToInt(b.info.netmask) ?? 0) - popcount(ipv4ToInt(a.info.netmask) ?? 0));
    const best = hits[0];
    if (best) {
      return {
        address: best.info.address,
        name: best.name,
        why: `interface ${best.name} (${best.info.address}/${popcount(ipv4ToInt(best.info.netmask) ?? 0)}), whose subnet holds the DP address ${dpAddress}`,
      };
    }
  }
  const known = v4.filter((x) => !x.info.internal).map((x) => `${x.info.address} (${x.name})`).join(', ') || 'none';
  throw new AgentError(
    'no-interface',
    `No local interface shares a subnet with the DP address ${dpAddress}; pass --interface with one of: ${known}`,
  );
}

/**
 * --interface as an address of this machine or an interface's name (eth0, "Ethernet 2"); a name
 * stands for its first IPv4 address. The error lists what the machine has, name and address.
 */
function pickExplicit(explicit: string, v4: readonly { name: string; info: NetworkInterfaceInfo }[], nics: InterfaceTable): PickedInterface {
  const byAddress = v4.find((x) => x.info.address === explicit);
  if (byAddress) return { address: explicit, name: byAddress.name, why: `--interface ${explicit} (${byAddress.name})` };
  const byName = v4.filter((x) => x.name === explicit);
  const first = byName[0];
  if (first) {
    const more = byName.length > 1 ? `, the first of its ${byName.length} IPv4 addresses` : '';
    return { address: first.info.address, name: explicit, why: `--interface ${explicit} (${first.info.address}${more})` };
  }
  const known = v4.map((x) => `${x.name} (${x.info.address})`).join(', ') || 'none';
  const why = Object.hasOwn(nics, explicit) ? `the interface ${explicit} has no IPv4 address` : `--interface ${explicit} is neither an interface nor an IPv4 address of this machine`;
  throw new AgentError('no-interface', `${why}; it has ${known}`);
}

export function ipv4ToInt(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | p) >>> 0, 0);
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x !== 0; x >>>= 1) c += x & 1;
  return c;
}
