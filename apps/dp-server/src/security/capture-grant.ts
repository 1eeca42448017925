// Capture grants: what the DP hands a machine of a `capture` deployment in its assignment answer
// (issue 26), so that a reference machine booted with only the client (or boot) token can upload
// its disk without the admin token ever reaching its kernel line or console. A grant opens the
// capture routes for one image name, for one machine, for a while, and nothing else.
//
// Stateless like boot tokens (boot/boot-token.ts): an HMAC over MAC, image name and expiry, with
// a key derived from the admin token under its own label (a boot token is never a grant).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DpError } from '../errors';

/**
 * @default 6 hours: the grant is checked on every chunk, so it must outlast the upload of a large
 * disk (1 TB of used blocks at 100 MB/s is ~3 h) with retries; a new one comes with each assignment.
 */
export const CAPTURE_GRANT_TTL_MS = 6 * 60 * 60 * 1000;
const PREFIX = 'cpc1';
const GRANT_RE = /^cpc1\.([0-9a-f]{12})\.([A-Za-z0-9_-]{1,96})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

export interface CaptureGrant {
  /** aa:bb:cc:dd:ee:ff */
  readonly mac: string;
  /** The one image name the grant may capture to. */
  readonly image: string;
  readonly expiresAtMs: number;
}

export function captureGrantKey(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('castpoint capture grant key v1').digest();
}

const sign = (key: Buffer, body: string): string => createHmac('sha256', key).update(body).digest('base64url');

/** `cpc1.<mac hex>.<image base64url>.<expiry ms base36>.<hmac>`: printable, no spaces. */
export function issueCaptureGrant(key: Buffer, mac: string, image: string, nowMs: number, ttlMs = CAPTURE_GRANT_TTL_MS): string {
  const body = `${PREFIX}.${mac.toLowerCase().replace(/[-:]/g, '')}.${Buffer.from(image).toString('base64url')}.${(nowMs + ttlMs).toString(36)}`;
  return `${body}.${sign(key, body)}`;
}

export function looksLikeCaptureGrant(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}

/** The grant's machine and image; throws DP_CAPTURE_GRANT when it is malformed, forged or expired. */
export function verifyCaptureGrant(key: Buffer, token: string, nowMs: number): CaptureGrant {
  const m = GRANT_RE.exec(token);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) throw new DpError('DP_CAPTURE_GRANT', 'the capture grant is malformed');
  const want = Buffer.from(sign(key, `${PREFIX}.${m[1]}.${m[2]}.${m[3]}`));
  const got = Buffer.from(m[4]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw new DpError('DP_CAPTURE_GRANT', 'the capture grant was not issued by this DP');
  const expiresAtMs = parseInt(m[3], 36);
  if (!(nowMs < expiresAtMs)) throw new DpError('DP_CAPTURE_GRANT', `the capture grant expired at ${new Date(expiresAtMs).toISOString()}: ask the DP for the assignment again`, { expiredAt: new Date(expiresAtMs).toISOString() });
  return { mac: m[1].replace(/(..)(?!$)/g, '$1:'), image: Buffer.from(m[2], 'base64url').toString(), expiresAtMs };
}
