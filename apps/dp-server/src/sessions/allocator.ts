// Gives each live session its own multicast group and its own UDP port from the configured ranges.
// Distinct groups keep hosts from receiving other sessions' data; distinct ports keep the session
// sockets (bound to the multicast interface at the session port) apart.
import { DpError } from '../errors';
import { formatIpv4, parseIpv4, type Cidr, type PortRange } from '../config/parse';

export interface GroupPort {
  readonly group: string;
  readonly port: number;
}

/** Picks the lowest free group and the lowest free port; `live` are the sessions that hold theirs. */
export function allocateGroupPort(range: Cidr, ports: PortRange, live: readonly GroupPort[]): GroupPort {
  const usedGroups = new Set(live.map((s) => parseIpv4(s.group, 'group')));
  const usedPorts = new Set(live.map((s) => s.port));
  // Skip the range's first and last address when there is room: x.x.x.0 / .255 confuse people.
  const first = range.size > 2 ? range.base + 1 : range.base;
  const last = range.size > 2 ? range.base + range.size - 2 : range.base + range.size - 1;
  let group: number | undefined;
  for (let g = first; g <= last; g++) {
    if (!usedGroups.has(g)) {
      group = g;
      break;
    }
  }
  let port: number | undefined;
  for (let p = ports.low; p <= ports.high; p++) {
    if (!usedPorts.has(p)) {
      port = p;
      break;
    }
  }
  if (group === undefined || port === undefined) {
    throw new DpError('DP_RANGE_EXHAUSTED', `no free ${group === undefined ? 'group' : 'port'} left for a new session (${live.length} live)`, {
      live: live.length,
    });
  }
  return { group: formatIpv4(group), port };
}
