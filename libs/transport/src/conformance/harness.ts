import type { Datagram, OpenUdpOptions, UdpEndpoint } from '../endpoint';
import { isCastpointError } from '@castpoint/wire';

/** What a conformance run needs from one implementation, on one host. */
export interface ConformanceTarget {
  /** Implementation name for reports (`memory`, `udp`). */
  readonly name: string;
  /** IPv4 address of this host's interface: multicast interface and unicast destination. */
  readonly hostAddress: string;
  /** An IPv4 address that is not on this host (TEST-NET), for the wrong-interface case. */
  readonly foreignAddress: string;
  /** First UDP port cases may use; each case takes a few above it. */
  readonly portBase: number;
  open(opts: OpenUdpOptions): Promise<UdpEndpoint>;
  /** Lets `ms` of time pass (virtual or real) so that datagrams in flight arrive. */
  settle(ms: number): Promise<void>;
}

/** Collects everything an endpoint's readable side yields. */
export function gather(ep: UdpEndpoint): Datagram[] {
  const got: Datagram[] = [];
  ep.readable.on('data', (d: Datagram) => got.push(d));
  return got;
}

/** Settles in small steps until `cond` holds or `maxMs` of settling has passed. */
export async function until(t: ConformanceTarget, cond: () => boolean, maxMs: number): Promise<boolean> {
  for (let spent = 0; spent < maxMs; spent += 10) {
    if (cond()) return true;
    await t.settle(10);
  }
  return cond();
}

export function fail(message: string): never {
  throw new Error(message);
}

export function check(cond: boolean, message: string): asserts cond {
  if (!cond) fail(message);
}

/** Runs `fn` and checks it throws (or rejects with) a CastpointError with `code`. Returns it. */
export async function expectCode(code: string, fn: () => unknown): Promise<Error & { code: string; data?: unknown }> {
  try {
    await fn();
  } catch (err) {
    if (isCastpointError(err, code)) return err;
    fail(`expected ${code}, got ${err instanceof Error ? `${err.name} ${(err as { code?: unknown }).code ?? ''}: ${err.message}` : String(err)}`);
  }
  fail(`expected ${code}, but nothing was thrown`);
}

export function text(d: Datagram | undefined): string {
  return d === undefined ? '<none>' : Buffer.from(d.bytes).toString('utf8');
}

export function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}
