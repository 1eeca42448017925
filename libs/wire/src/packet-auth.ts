// Per-packet authentication: seal (encode side) and open (decode side) for both modes.
// HMAC mode: tag = HMAC-SHA-256(key, header || body)[0..16), computed by the key's PacketMac.
// GCM mode: header is the additional authenticated data, body is encrypted, nonce = header bytes
// 12..23 (senderId || seq), by the key's PacketAead.
import { TAG_SIZE } from './header';
import type { PacketAead } from './packet-aead';
import type { PacketMac } from './packet-mac';
import type { SessionKey } from './session-key';
import { WireError } from './wire-error';

/**
 * Fill in `packet`'s body (from `body`) and tag, in place. `packet` holds the finished header in
 * [0, headerSize) and has room for body and tag after it.
 */
export function sealPacket(packet: Uint8Array, headerSize: number, body: Uint8Array, key: SessionKey): void {
  packet.set(body, headerSize);
  sealInPlace(packet, headerSize, headerSize + body.length, key);
}

/**
 * The same for a body already in place at packet[headerSize, tagAt) (sealDataFrame: the sender
 * copied the symbol there): tag it, or encrypt it and tag it.
 */
export function sealInPlace(packet: Uint8Array, headerSize: number, tagAt: number, key: SessionKey): void {
  if (key.encrypted) aeadOf(key).seal(packet, headerSize, tagAt);
  else macOf(key).sign(packet, tagAt, TAG_SIZE);
}

/**
 * Check `packet`'s tag and return its plain body, or undefined when authentication fails. In HMAC
 * mode the body is a view into `packet` (no copy); in GCM mode it is a fresh buffer.
 */
export function openPacket(packet: Uint8Array, headerSize: number, key: SessionKey): Uint8Array | undefined {
  const tagAt = packet.length - TAG_SIZE;
  if (key.encrypted) return aeadOf(key).open(packet, headerSize, tagAt);
  return macOf(key).verify(packet, tagAt, TAG_SIZE) ? packet.subarray(headerSize, tagAt) : undefined;
}

/** The HMAC of a plain-mode key: createSessionKey always makes one. */
function macOf(key: SessionKey): PacketMac {
  if (!key.mac) throw new WireError('WIRE_BAD_KEY', 'an HMAC session key needs its PacketMac: build keys with createSessionKey', { field: 'key' });
  return key.mac;
}

/** The AES-GCM of an encrypted-mode key: createSessionKey always makes one. */
function aeadOf(key: SessionKey): PacketAead {
  if (!key.aead) throw new WireError('WIRE_BAD_KEY', 'an encrypted session key needs its PacketAead: build keys with createSessionKey', { field: 'key' });
  return key.aead;
}
