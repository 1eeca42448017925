// Parsers for the values an administrator types: rates, address ranges, port ranges, listen
// addresses. Pure functions; every bad value is a DP_BAD_SETTING error naming the setting.
import { DpError } from '../errors';

function bad(setting: string, value: unknown, why: string): DpError {
  return new DpError('DP_BAD_SETTING', `${setting}: ${why} (got ${JSON.stringify(value)})`, { setting, value });
}

const RATE_UNITS: Record<string, number> = {
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1_000_000 / 8,
  gbit: 1_000_000_000 / 8,
  byte: 1,
  kbyte: 1000,
  mbyte: 1_000_000,
  gbyte: 1_000_000_000,
};

/** `500mbit`, `1gbit`, `80mbyte`, `1.5gbit` -> bytes per second (integer). */
export function parseRate(value: string, setting = 'max-rate'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value);
  const unit = m?.[2]?.toLowerCase();
  const factor = unit === undefined ? undefined : RATE_UNITS[unit];
  if (!m || factor === undefined) {
    throw bad(setting, value, `expected a number and a unit (${Object.keys(RATE_UNITS).join(', ')}), e.g. 500mbit`);
  }
  const bps = Math.floor(Number(m[1]) * factor);
  if (!(bps >= 1000)) throw bad(setting, value, 'rate must be at least 1000 bytes/s (8kbit)');
  return bps;
}

export function parseIpv4(value: string, setting: string): number {
  const parts = value.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    throw bad(setting, value, 'expected an IPv4 address like 10.0.0.1');
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  /** First address (network address), as an unsigned 32-bit number. */
  readonly base: number;
  readonly bits: number;
  readonly size: number;
}

/** A multicast range like 239.255.0.0/16; must lie inside 224.0.0.0/4 and avoid 224.0.0.0/24. */
export function parseGroupRange(value: string, setting = 'group-range'): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(value.trim());
  if (!m || m[1] === undefined || m[2] === undefined) throw bad(setting, value, 'expected CIDR like 239.255.0.0/16');
  const addr = parseIpv4(m[1], setting);
  const bits = Number(m[2]);
  if (bits < 4 || bits > 32) throw bad(setting, value, 'prefix length must be 4..32');
  const size = 2 ** (32 - bits);
  const base = addr - (addr % size);
  if (base !== addr) throw bad(setting, value, `address is not the start of a /${bits}`);
  const last = base + size - 1;
  const mcLow = parseIpv4('224.0.0.0', setting);
  const mcHigh = parseIpv4('239.255.255.255', setting);
  if (base < mcLow || last > mcHigh) throw bad(setting, value, 'range must lie inside 224.0.0.0/4 (multicast)');
  if (base < mcLow + 256) throw bad(setting, value, '224.0.0.0/24 is reserved for link-local protocols');
  return { base, bits, size };
}

export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** `63000-64000` (inclusive). */
export function parsePortRange(value: string, setting = 'port-range'): PortRange {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (!m || !(low >= 1024 && high <= 65535 && low <= high)) {
    throw bad(setting, value, 'expected LOW-HIGH with 1024 <= LOW <= HIGH <= 65535');
  }
  return { low, high };
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, e.g. `0.0.0.0:8080` or `10.77.0.1:8080` (port 0 picks a free port). */
export function parseListen(value: string, setting = 'listen'): ListenAddress {
  const i = value.lastIndexOf(':');
  const host = value.slice(0, i);
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !/^\d+$/.test(value.slice(i + 1)) || port > 65535) throw bad(setting, value, 'expected HOST:PORT');
  parseIpv4(host, setting);
  return { host, port };
}

export function parseIntSetting(value: unknown, setting: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw bad(setting, value, `expected an integer from ${min} to ${max}`);
  return n;
}

export function parseToken(value: string, setting: string): string {
  if (!/^[A-Za-z0-9._~+/=-]{16,256}$/.test(value)) {
    throw bad(setting, '(hidden)', 'a token is 16 to 256 characters of letters, digits and ._~+/=-');
  }
  return value;
}
