// The addresses of `--dhcp-range` (an isolated lab's DHCP server), leased by MAC. Pure: the caller
// passes the clock; nothing is saved (a restarted DP hands each MAC an address again, and clients
// that renew an address they still hold get it back when it is free).
import { formatIpv4, parseIpv4 } from '../config/parse';
import type { DhcpRange } from './boot-settings';

/** @default 1 hour */
export const LEASE_MS = 60 * 60 * 1000;

interface Lease {
  mac: string;
  expiresAtMs: number;
}

export class LeasePool {
  private readonly start: number;
  private readonly end: number;
  private readonly byAddress = new Map<number, Lease>();

  constructor(
    range: DhcpRange,
    readonly leaseMs = LEASE_MS,
  ) {
    this.start = parseIpv4(range.start, 'dhcp-range');
    this.end = parseIpv4(range.end, 'dhcp-range');
  }

  /** The address to offer `mac`: the one it holds, else the one it asks for if free, else the first free. */
  offer(mac: string, nowMs: number, requested?: string): string | undefined {
    const held = this.heldBy(mac, nowMs);
    if (held !== undefined) return this.take(held, mac, nowMs);
    const want = requested !== undefined ? this.inRange(requested) : undefined;
    if (want !== undefined && this.free(want, mac, nowMs)) return this.take(want, mac, nowMs);
    for (let a = this.start; a <= this.end; a++) if (this.free(a, mac, nowMs)) return this.take(a, mac, nowMs);
    return undefined;
  }

  /** A REQUEST for `address`: granted (and renewed) when it is in range and not another MAC's. */
  confirm(mac: string, address: string, nowMs: number): boolean {
    const a = this.inRange(address);
    if (a === undefined || !this.free(a, mac, nowMs)) return false;
    this.take(a, mac, nowMs);
    return true;
  }

  release(mac: string): void {
    for (const [a, l] of this.byAddress) if (l.mac === mac) this.byAddress.delete(a);
  }

  private heldBy(mac: string, nowMs: number): number | undefined {
    for (const [a, l] of this.byAddress) if (l.mac === mac && l.expiresAtMs > nowMs) return a;
    return undefined;
  }

  private free(a: number, mac: string, nowMs: number): boolean {
    const l = this.byAddress.get(a);
    return l === undefined || l.mac === mac || l.expiresAtMs <= nowMs;
  }

  private take(a: number, mac: string, nowMs: number): string {
    this.release(mac);
    this.byAddress.set(a, { mac, expiresAtMs: nowMs + this.leaseMs });
    return formatIpv4(a);
  }

  private inRange(address: string): number | undefined {
    let a: number;
    try {
      a = parseIpv4(address, 'address');
    } catch {
      return undefined;
    }
    return a >= this.start && a <= this.end ? a : undefined;
  }
}
