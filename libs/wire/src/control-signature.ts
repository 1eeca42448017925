// Ed25519 signatures on the DP's control packets (announce, kick). The session key is shared by
// every agent of a session, so its tag proves membership, not that the DP spoke: any agent could
// forge a kick or a "finished" announce. Only the DP holds the signing key; agents get its public
// key over the authenticated HTTP join and drop DP control packets that do not verify.
//
// Layout: the signature travels as protobuf field 15 (bytes, 64) appended to the body, so decoders
// that do not check it skip it as an unknown field (the versioning rule's "messages may only grow").
// It signs header || protobuf body without the field; the header carries the final body length,
// session id, sender id and seq, so a signature cannot be moved to another packet or session.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { MessageType } from './messages';
import { WireError, peerError, type DecodeErrorCode } from './wire-error';

export const SIGNATURE_SIZE = 64;
/** Protobuf key of field 15, wire type 2 (length-delimited): (15 << 3) | 2. */
export const SIGNATURE_FIELD_KEY = 0x7a;
/** Field key, length byte (64), signature. */
export const SIGNATURE_TRAILER_SIZE = 2 + SIGNATURE_SIZE;
/** Control packets only the DP sends; with a DP public key they must carry its signature. */
export const SIGNED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['announce', 'kick']);
export const ED25519_SEED_SIZE = 32;

// PKCS#8 and SPKI DER prefixes of an Ed25519 key (RFC 8410): the raw 32 bytes follow them.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The DP's signing key: the private half stays in the DP, the public half goes to agents. */
export interface DpSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** An Ed25519 key pair from its 32-byte seed (deterministic: fixtures and the DP's key file). */
export function signingKeyFromSeed(seed: Uint8Array): DpSigningKey {
  if (seed.length !== ED25519_SEED_SIZE) {
    throw new WireError('WIRE_BAD_KEY', `an Ed25519 seed is ${ED25519_SEED_SIZE} bytes, got ${seed.length}`, { field: 'seed', value: seed.length });
  }
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The raw 32-byte public key, base64: what the DP puts in `SessionInfo.signingKey`. */
export function publicKeyToBase64(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_PREFIX.length).toString('base64');
}

/** Parses `SessionInfo.signingKey`. Throws `WIRE_BAD_KEY` unless it is 32 bytes of base64. */
export function publicKeyFromBase64(text: string): KeyObject {
  const raw = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (raw.length !== ED25519_SEED_SIZE || raw.toString('base64') !== text) {
    throw new WireError('WIRE_BAD_KEY', `a DP signing key is ${ED25519_SEED_SIZE} bytes of base64`, { field: 'signingKey', value: raw.length });
  }
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch (err) {
    throw new WireError('WIRE_BAD_KEY', 'the DP signing key is not a valid Ed25519 public key', { field: 'signingKey' }, { cause: err });
  }
}

/** `body` followed by the signature field over header || body. */
export function appendSignature(header: Uint8Array, body: Uint8Array, privateKey: KeyObject): Uint8Array {
  const signature = sign(null, Buffer.concat([header, body]), privateKey);
  const out = Buffer.allocUnsafe(body.length + SIGNATURE_TRAILER_SIZE);
  out.set(body, 0);
  out[body.length] = SIGNATURE_FIELD_KEY;
  out[body.length + 1] = SIGNATURE_SIZE;
  out.set(signature, body.length + 2);
  return out;
}

/**
 * The protobuf body without its signature when the signature over header || that body verifies,
 * else a typed error: `WIRE_UNSIGNED` (no signature field at the end), `WIRE_BAD_SIGNATURE` (it does not
 * verify with the DP's public key).
 */
export function stripVerifiedSignature(type: MessageType, header: Uint8Array, body: Uint8Array, publicKey: KeyObject): Uint8Array | WireError<DecodeErrorCode> {
  const at = body.length - SIGNATURE_TRAILER_SIZE;
  if (at < 0 || body[at] !== SIGNATURE_FIELD_KEY || body[at + 1] !== SIGNATURE_SIZE) {
    return peerError('WIRE_UNSIGNED', `${type} packet carries no DP signature`, { field: 'signature' });
  }
  const message = body.subarray(0, at);
  const signature = body.subarray(at + 2);
  let ok = false;
  try {
    ok = verify(null, Buffer.concat([header, message]), publicKey, signature);
  } catch {
    ok = false;
  }
  if (!ok) return peerError('WIRE_BAD_SIGNATURE', `${type} packet's DP signature does not verify`, { field: 'signature' });
  return message;
}
