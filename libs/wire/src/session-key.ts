// Session keys: the 32-byte secret the DP hands out over HTTPS is never used directly. HKDF derives
// one key per mode, so the same secret can never be used both as an HMAC key and as an AES key, and
// the derived key is wrapped once in a KeyObject so the hot path does not re-import it per packet.
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { PacketAead } from './packet-aead';
import { PacketMac } from './packet-mac';
import { WireError } from './wire-error';

export const SESSION_SECRET_SIZE = 32;
/** HKDF salt: names the protocol and its version, so keys never collide with another use of the secret. */
export const HKDF_SALT = 'castpoint/wire/v1';
/** HKDF info per mode. */
export const HKDF_INFO_HMAC = 'hmac-sha256-128';
export const HKDF_INFO_GCM = 'aes-256-gcm';

/** A session's packet key, ready for the hot path. Create with {@link createSessionKey}. */
export interface SessionKey {
  /** True: bodies are AES-256-GCM encrypted; false: HMAC-SHA-256/128 authentication only. */
  readonly encrypted: boolean;
  /** The derived key for the mode above (HMAC key or AES-256 key), as a KeyObject. */
  readonly key: KeyObject;
  /** HMAC mode only: the same key, ready for the per-packet tag without an object per packet. */
  readonly mac: PacketMac | undefined;
  /** Encrypted mode only: the same key, ready to seal and open packets. */
  readonly aead: PacketAead | undefined;
}

/** Derive the packet key of a session from its 32-byte secret. Throws `WIRE_BAD_KEY` on a wrong size. */
export function createSessionKey(secret: Uint8Array, encrypted: boolean): SessionKey {
  if (!(secret instanceof Uint8Array) || secret.length !== SESSION_SECRET_SIZE) {
    const got = secret instanceof Uint8Array ? secret.length : -1;
    throw new WireError('WIRE_BAD_KEY', `session secret must be ${SESSION_SECRET_SIZE} bytes, got ${got}`, {
      field: 'secret',
      value: got,
      expected: SESSION_SECRET_SIZE,
    });
  }
  const info = encrypted ? HKDF_INFO_GCM : HKDF_INFO_HMAC;
  const derived = new Uint8Array(hkdfSync('sha256', secret, HKDF_SALT, info, 32));
  const key = createSecretKey(derived);
  return Object.freeze({ encrypted, key, mac: encrypted ? undefined : new PacketMac(derived), aead: encrypted ? new PacketAead(key) : undefined });
}
