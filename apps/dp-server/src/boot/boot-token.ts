// Boot tokens: what the castpoint boot environment gets on its kernel command line instead of the
// client token. Short-lived and bound to one MAC: a token read off one machine's console (or its
// /proc/cmdline) lets an agent act for that machine only, and only for a while; never admin.
//
// Stateless (an HMAC over mac and expiry): a DP restart mid-deployment does not void the tokens of
// machines booted before it, and nothing is stored per boot. The key is derived from the admin
// token with a label, so it changes when the admin token does and is never the admin token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BootError } from './errors';

/** @default 2 hours: a deployment of a large image over a slow LAN, with retries, fits in it. */
export const BOOT_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;
const PREFIX = 'cpb1';

export function bootTokenKey(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('castpoint boot token key v1').digest();
}

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** `cpb1.<mac hex>.<expiry ms base36>.<hmac>`: printable, no spaces (it is a kernel argument). */
export function issueBootToken(key: Buffer, mac: string, nowMs: number, ttlMs = BOOT_TOKEN_TTL_MS): string {
  const body = `${PREFIX}.${mac.replaceAll(':', '')}.${(nowMs + ttlMs).toString(36)}`;
  return `${body}.${sign(key, body)}`;
}

export function looksLikeBootToken(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}

/** The MAC (aa:bb:..) the token was issued to; throws DP_BOOT_TOKEN when it is not valid now. */
export function verifyBootToken(key: Buffer, token: string, nowMs: number): { mac: string; expiresAtMs: number } {
  const m = /^cpb1\.([0-9a-f]{12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) throw new BootError('DP_BOOT_TOKEN', 'the boot token is malformed');
  const body = `${PREFIX}.${m[1]}.${m[2]}`;
  const want = Buffer.from(sign(key, body));
  const got = Buffer.from(m[3]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw new BootError('DP_BOOT_TOKEN', 'the boot token was not issued by this DP');
  const expiresAtMs = parseInt(m[2], 36);
  if (!(nowMs < expiresAtMs)) throw new BootError('DP_BOOT_TOKEN', `the boot token expired at ${new Date(expiresAtMs).toISOString()}`, { expiredAt: new Date(expiresAtMs).toISOString() });
  return { mac: m[1].replace(/(..)(?!$)/g, '$1:'), expiresAtMs };
}
