// Per-packet authentication: seal (encode side) and open (decode side) for both modes.
// HMAC mode: tag = HMAC-SHA-256(key, header || body)[0..16), computed by the key's PacketMac.
// GCM mode: header is the additional authenticated data, body is encrypted, nonce = header bytes
// 12..23 (senderId || seq).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { NONCE_OFFSET, NONCE_SIZE, TAG_SIZE } from './header';
import type { PacketMac } from './packet-mac';
import type { SessionKey } from './session-key';
import { WireError } from './wire-error';

/**
 * Fill in `packet`'s body (from `body`) and tag, in place. `packet` holds the finished header in
 * [0, headerSize) and has room for body and tag after it.
 */
export function sealPacket(packet: Uint8Array, headerSize: number, body: Uint8Array, key: SessionKey): void {
  const tagAt = headerSize + body.length;
  if (key.encrypted) {
    const nonce = packet.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_SIZE);
    const cipher = createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(packet.subarray(0, headerSize));
    const first = cipher.update(body);
    packet.set(first, headerSize);
    const rest = cipher.final();
    packet.set(rest, headerSize + first.length);
    packet.set(cipher.getAuthTag(), tagAt);
  } else {
    packet.set(body, headerSize);
    macOf(key).sign(packet, tagAt, TAG_SIZE);
  }
}

/**
 * Check `packet`'s tag and return its plain body, or undefined when authentication fails. In HMAC
 * mode the body is a view into `packet` (no copy); in GCM mode it is a fresh buffer.
 */
export function openPacket(packet: Uint8Array, headerSize: number, key: SessionKey): Uint8Array | undefined {
  const tagAt = packet.length - TAG_SIZE;
  if (key.encrypted) {
    const nonce = packet.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_SIZE);
    // final() reports a bad tag by throwing; without a stack trace the throw costs far less, which
    // matters when forged packets arrive at line rate. Restored before returning (synchronous).
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_SIZE });
      decipher.setAAD(packet.subarray(0, headerSize));
      decipher.setAuthTag(packet.subarray(tagAt));
      const first = decipher.update(packet.subarray(headerSize, tagAt));
      // final() throws when the tag does not match; nothing decrypted is used before it returns.
      const rest = decipher.final();
      return rest.length === 0 ? first : Buffer.concat([first, rest]);
    } catch {
      return undefined;
    } finally {
      Error.stackTraceLimit = stackLimit;
    }
  }
  return macOf(key).verify(packet, tagAt, TAG_SIZE) ? packet.subarray(headerSize, tagAt) : undefined;
}

/** The HMAC of a plain-mode key: createSessionKey always makes one. */
function macOf(key: SessionKey): PacketMac {
  if (!key.mac) throw new WireError('WIRE_BAD_KEY', 'an HMAC session key needs its PacketMac: build keys with createSessionKey', { field: 'key' });
  return key.mac;
}
