// The MACs an agent sends with its session request, so the DP can show which machine asks (and
// name it when the SQL store knows one of them). The interface it receives on comes first: with
// several NICs, that is the one an operator sees in the DHCP lease and the switch.
import type { InterfaceTable } from '../flow/interface-pick';

const ETHERNET_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** The DP's schema refuses more (agent-api.ts `macs`). */
export const MAX_REQUEST_MACS = 64;

/** Non-internal interfaces' MACs, `receiving`'s first; all-zero and malformed MACs left out. */
export function requestMacs(table: InterfaceTable, receiving?: string): string[] {
  const names = Object.keys(table).sort((a, b) => Number(b === receiving) - Number(a === receiving));
  const macs = new Set<string>();
  for (const name of names) {
    for (const info of table[name] ?? []) {
      const mac = info.mac.toLowerCase();
      if (info.internal || !ETHERNET_MAC.test(mac) || mac === '00:00:00:00:00:00') continue;
      macs.add(mac);
    }
  }
  return [...macs].slice(0, MAX_REQUEST_MACS);
}

/** The request body's `macs` field: absent when the machine shows no MAC (old DPs and tests see the body they always did). */
export function macsField(table: InterfaceTable, receiving?: string): { macs?: string[] } {
  const macs = requestMacs(table, receiving);
  return macs.length > 0 ? { macs } : {};
}
