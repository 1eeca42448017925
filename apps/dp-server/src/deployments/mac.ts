import { DeployError } from './errors';

const MAC_FORMS = [/^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i, /^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i];

/** One spelling of a MAC (lower case, colons) so that "AA-BB-..." and "aa:bb:..." are one key. */
export function normalizeMac(text: string): string {
  const trimmed = text.trim();
  for (const form of MAC_FORMS) {
    const m = form.exec(trimmed);
    if (m) return m.slice(1).join(':').toLowerCase();
  }
  throw new DeployError('DP_BAD_MAC', `"${text}" is not a MAC address (expected six hex octets, e.g. 52:54:00:12:34:56)`, { mac: text });
}

/**
 * SMBIOS UUIDs that boards ship instead of a real one: all zeros, all ones, and the
 * 03000200-0400-0500-0006-000700080009 that many BIOS vendors leave in. Never used to identify.
 */
const PLACEHOLDER_UUIDS = new Set(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '03000200-0400-0500-0006-000700080009']);

export function normalizeUuid(text: string): string {
  return text.trim().toLowerCase();
}

export function isPlaceholderUuid(uuid: string): boolean {
  const u = normalizeUuid(uuid);
  return u === '' || PLACEHOLDER_UUIDS.has(u);
}
