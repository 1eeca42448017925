// The MTU the DP's sessions may fill: its multicast interface's (issue 29.4, jumbo symbols), read
// once at start, and a fixed --symbol-size checked against it.
import type { NetworkInterfaceInfo } from 'node:os';
import { DEFAULT_MTU } from '@castpoint/wire';
import { DpError } from '../errors';
import { fitsMtu, type SymbolSizeSetting } from './symbol-size';

/**
 * The MTU of the interface holding `address` (`mtuOf`: libs/transport's sysfs reader). A loopback
 * interface (65536, netlab's light mode and tests on 127.0.0.1) and an unknown one (Windows, no
 * sysfs) count as 1500: loopback's figure says nothing about a LAN, and 1500 is what every
 * Ethernet carries.
 */
export function linkMtu(address: string, nics: NodeJS.Dict<NetworkInterfaceInfo[]>, mtuOf: (address: string) => number | undefined): number {
  const internal = Object.values(nics).some((list) => (list ?? []).some((i) => i.address === address && i.internal));
  if (internal) return DEFAULT_MTU;
  return mtuOf(address) ?? DEFAULT_MTU;
}

/** A fixed --symbol-size whose packets the multicast interface cannot send whole is refused at start. */
export function checkSymbolSizeFits(setting: SymbolSizeSetting, mtu: number, address: string): void {
  if (setting === 'auto' || fitsMtu(setting, mtu)) return;
  throw new DpError('DP_BAD_SETTING', `symbol-size ${setting} makes data packets larger than the MTU ${mtu} of mcast-interface ${address}: use auto or a smaller size`, { setting: 'symbol-size' });
}
