// Where the DP can be reached, for its start line: listening on 0.0.0.0 (or ::) the only address
// the operator used to see was fastify's http://127.0.0.1:8080, useless from the machines and the
// admin's desk. Each non-internal interface address is listed instead, and the dashboard's URL.
import type { NetworkInterfaceInfo } from 'node:os';

export interface ReachableUrls {
  /** Base URLs of the API, one per address (the first is the one to give agents and the CLI). */
  readonly urls: readonly string[];
  /** The dashboard: the first URL's root page. */
  readonly dashboard: string;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const urlOf = (address: string, port: number, scheme = 'http'): string => `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;

/** fe80::/10 needs a zone (%eth0) that a browser will not take in a URL: not worth printing. */
const isLinkLocalV6 = (a: NetworkInterfaceInfo): boolean => a.family === 'IPv6' && /^fe[89ab]/i.test(a.address);

/**
 * The URLs of a listener on `host`:`port` (the bound port: the asked one may be 0). A wildcard host
 * gives every non-internal address (IPv4 only for 0.0.0.0, IPv4 then IPv6 for ::), or the loopback
 * address when the host has no other; any other host is the only URL.
 */
export function reachableUrls(host: string, port: number, interfaces: Interfaces, scheme: 'http' | 'https' = 'http'): ReachableUrls {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  let urls: string[];
  if (wildcard) {
    const all = Object.values(interfaces).flatMap((list) => list ?? []);
    const external = all.filter((a) => !a.internal && !isLinkLocalV6(a) && (a.family === 'IPv4' || host === '::'));
    const ordered = [...external.filter((a) => a.family === 'IPv4'), ...external.filter((a) => a.family === 'IPv6')];
    urls = [...new Set(ordered.map((a) => urlOf(a.address, port, scheme)))];
    if (urls.length === 0) urls = [urlOf(host === '::' ? '::1' : '127.0.0.1', port, scheme)];
  } else {
    urls = [urlOf(host, port, scheme)];
  }
  return { urls, dashboard: `${urls[0] ?? urlOf(host, port, scheme)}/` };
}

/** The start line's message: `castpoint-dp listening on URL, URL; dashboard URL/`. */
export function listeningMessage(r: ReachableUrls): string {
  return `castpoint-dp listening on ${r.urls.join(', ')}; dashboard ${r.dashboard}`;
}
