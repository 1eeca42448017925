import { TransportError } from './errors';

/** Largest UDP payload in one IPv4 datagram (65535 - 20 IP - 8 UDP). */
export const MAX_UDP4_PAYLOAD = 65_507;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The last address that passed: a sender checks the same destination for every datagram. */
let lastValid = '';

export function isIpv4(s: string): boolean {
  if (s === lastValid) return true;
  if (!IPV4.test(s)) return false;
  lastValid = s;
  return true;
}

/** 224.0.0.0/4. */
export function isMulticast4(s: string): boolean {
  if (!isIpv4(s)) return false;
  const first = Number(s.split('.')[0]);
  return first >= 224 && first <= 239;
}

/** a.b.c.d (checked) as the number a << 24 | b << 16 | c << 8 | d: the native add-on's form of an address. */
export function ipv4Number(s: string): number {
  return s.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function isLoopback4(s: string): boolean {
  return isIpv4(s) && s.startsWith('127.');
}

export function requireIpv4(option: string, s: unknown): string {
  if (typeof s !== 'string' || !isIpv4(s)) {
    throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be an IPv4 address (IPv6 is not supported), got ${String(s)}`, { option });
  }
  return s;
}

export function requireGroup(option: string, s: unknown): string {
  const g = requireIpv4(option, s);
  if (!isMulticast4(g)) throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be an IPv4 multicast group (224.0.0.0/4), got ${g}`, { option, address: g });
  return g;
}

export function requirePort(option: string, p: unknown, allowZero: boolean): number {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < (allowZero ? 0 : 1) || p > 65535) {
    throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be an integer port ${allowZero ? 0 : 1}..65535, got ${String(p)}`, { option });
  }
  return p;
}

export function requireTtl(ttl: unknown): number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
    throw new TransportError('TRANSPORT_BAD_OPTION', `multicast ttl must be an integer 0..255, got ${String(ttl)}`, { option: 'ttl' });
  }
  return ttl;
}

export function requirePositiveInt(option: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be a positive integer, got ${String(n)}`, { option });
  }
  return n;
}

/** Checks a datagram before it is handed to any implementation, so both fail the same way. */
export function checkOutgoing(bytes: unknown, to: unknown): void {
  if (!(bytes instanceof Uint8Array)) throw new TransportError('TRANSPORT_BAD_OPTION', 'datagram bytes must be a Uint8Array', { option: 'bytes' });
  if (bytes.length > MAX_UDP4_PAYLOAD) {
    throw new TransportError('TRANSPORT_DATAGRAM_TOO_LARGE', `datagram of ${bytes.length} bytes exceeds ${MAX_UDP4_PAYLOAD}`, { size: bytes.length });
  }
  if (typeof to !== 'object' || to === null) throw new TransportError('TRANSPORT_BAD_OPTION', 'destination must be { address, port }', { option: 'to' });
  const t = to as { address?: unknown; port?: unknown };
  // The hot path sends to one destination ~90,000 times a second: test the cheap case first.
  if (typeof t.port !== 'number' || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) requirePort('to.port', t.port, false);
  requireIpv4('to.address', t.address);
}
