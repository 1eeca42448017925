// encodePacket / decodePacket: the one entry point for bytes on the network. The header is
// written and read byte by byte at fixed offsets (header.ts); the body is the data payload or
// a protobuf control body (control-codec.ts); the tag is HMAC or AES-GCM (packet-auth.ts).
import { decodeControlBody, encodeControlBody } from './control-codec';
import { SIGNATURE_TRAILER_SIZE, SIGNED_TYPES, appendSignature, stripVerifiedSignature } from './control-signature';
import type { KeyObject } from 'node:crypto';
import {
  CONTROL_HEADER_SIZE,
  DATA_HEADER_SIZE,
  DEFAULT_MAX_DATAGRAM,
  FLAG_ENCRYPTED,
  FLAG_PARITY,
  KNOWN_FLAGS,
  MAX_UDP_PAYLOAD,
  OFFSET,
  PACKET_TYPE_CODES,
  TAG_SIZE,
  WIRE_MAGIC,
  WIRE_VERSION,
  headerSize,
  writeDataAddress,
  writeHeader,
} from './header';
import type { ControlMessage, DataMessage, Envelope, Message, MessageType, Packet } from './messages';
import { openPacket, sealPacket } from './packet-auth';
import type { SessionKey } from './session-key';
import { validateData, validateEnvelope } from './validate';
import { WireError, peerError, type DecodeErrorCode } from './wire-error';

export interface EncodeOptions {
  /**
   * Largest datagram (UDP payload) `encodePacket` will produce; larger packets throw `WIRE_TOO_LARGE`.
   * Set it from the path MTU: `maxDatagramSize(mtu)`.
   * @default 1472 (a 1500-byte MTU minus IPv4 and UDP headers)
   */
  readonly maxDatagram?: number;
  /**
   * The DP's Ed25519 private key: announce and kick packets get its signature (control-signature.ts).
   * Other packet types are never signed. @default undefined (unsigned)
   */
  readonly signer?: KeyObject;
  /**
   * Write the packet into the start of this buffer, and return a view of it, instead of allocating
   * one per packet: a sender that recycles its frames once the socket is done with them (the DP's
   * session runner, issue 29) saves an allocation, and for a packet over 4 KiB (jumbo symbols) a
   * fresh ArrayBuffer, per datagram. Too short for the packet: `WIRE_TOO_LARGE`. @default a new buffer
   */
  readonly into?: Uint8Array;
}

export interface DecodeExpectation {
  /** Only packets of this session are accepted; others are `WIRE_WRONG_SESSION`. */
  readonly sessionId: number;
  /**
   * The DP's Ed25519 public key (from the join reply). When given, announce and kick packets must
   * carry a valid DP signature: `WIRE_UNSIGNED` or `WIRE_BAD_SIGNATURE` otherwise. @default undefined (not checked)
   */
  readonly dpPublicKey?: KeyObject;
}

export type DecodeResult =
  | { readonly ok: true; readonly packet: Packet }
  | { readonly ok: false; readonly error: WireError<DecodeErrorCode> };

/** `data.field` of the error returned when the decoder itself failed (a bug, never a peer's fault). */
export const INTERNAL_FAILURE = 'internal';

const TYPE_BY_CODE: readonly (MessageType | undefined)[] = (() => {
  const table: (MessageType | undefined)[] = [];
  for (const [type, code] of Object.entries(PACKET_TYPE_CODES)) table[code] = type as MessageType;
  return table;
})();

/**
 * Encode one authenticated (or encrypted) packet. Throws `WIRE_BAD_FIELD` for values out of range and
 * `WIRE_TOO_LARGE` when the packet exceeds `options.maxDatagram`: encoding is our own code, so both are bugs.
 */
export function encodePacket(envelope: Envelope, message: Message, key: SessionKey, options: EncodeOptions = {}): Uint8Array {
  const maxDatagram = options.maxDatagram ?? DEFAULT_MAX_DATAGRAM;
  validateEnvelope(envelope);
  let body: Uint8Array;
  const signer = options.signer && SIGNED_TYPES.has(message.type) ? options.signer : undefined;
  let flags = key.encrypted ? FLAG_ENCRYPTED : 0;
  if (message.type === 'data') {
    validateData(message);
    body = message.payload;
    if (message.symbol >= message.k) flags |= FLAG_PARITY;
  } else {
    body = encodeControlBody(message);
  }
  const typeCode = PACKET_TYPE_CODES[message.type];
  if (typeCode === undefined) {
    throw new WireError('WIRE_BAD_FIELD', `unknown message type ${String(message.type)}`, { field: 'type' });
  }
  const hSize = headerSize(typeCode);
  const bodyLength = body.length + (signer ? SIGNATURE_TRAILER_SIZE : 0);
  const total = hSize + bodyLength + TAG_SIZE;
  if (total > Math.min(maxDatagram, MAX_UDP_PAYLOAD)) {
    throw new WireError('WIRE_TOO_LARGE', `${message.type} packet of ${total} bytes exceeds the ${maxDatagram}-byte datagram limit`, {
      field: 'length',
      value: total,
      expected: maxDatagram,
    });
  }
  if (options.into !== undefined && options.into.length < total) {
    throw new WireError('WIRE_TOO_LARGE', `${message.type} packet of ${total} bytes does not fit the ${options.into.length}-byte buffer it is to be written into`, {
      field: 'length',
      value: total,
      expected: options.into.length,
    });
  }
  // Allocated once (or given), written once; every byte is set below, so unzeroed memory is safe.
  // A frame the packet fills exactly (the DP's data packets: full symbols in frames of their
  // size) is returned as it is: a view per packet was one more object for the collector, as a
  // DataView per packet was (the fields are written byte by byte, as decode reads them).
  const into = options.into;
  const packet = into === undefined ? Buffer.allocUnsafe(total) : into.length === total ? into : into.subarray(0, total);
  // seq is validated as a u64; below 2^32 (every real session) its halves take no BigInt operation.
  const seq = envelope.seq;
  const low32 = seq <= 0xffffffffn;
  writeHeader(packet, typeCode, flags, bodyLength, envelope.sessionId, envelope.senderId, low32 ? 0 : Number(seq >> 32n), low32 ? Number(seq) : Number(seq & 0xffffffffn), envelope.sentAtMs);
  if (message.type === 'data') writeDataAddress(packet, message.block, message.symbol, message.k);
  // The signature covers the finished header (with the final body length) and the protobuf body.
  if (signer) body = appendSignature(packet.subarray(0, hSize), body, signer);
  sealPacket(packet, hSize, body, key);
  return packet;
}

function reject(code: DecodeErrorCode, message: string, data: WireError['data'] = {}): DecodeResult {
  return { ok: false, error: peerError(code, message, data) };
}

/**
 * Decode, authenticate and validate one datagram. Never throws, whatever the bytes: every
 * problem is a `DecodeResult` with a typed error. In HMAC mode a data payload is a view into
 * `bytes` (no copy): copy it if the buffer is reused.
 */
export function decodePacket(bytes: Uint8Array, key: SessionKey, expect: DecodeExpectation): DecodeResult {
  try {
    return decodeUnchecked(bytes, key, expect);
  } catch (err) {
    // Defence in depth: nothing above is meant to throw, but a peer must never crash us if it does.
    return { ok: false, error: new WireError('WIRE_BAD_BODY', 'unexpected decoder failure', { field: INTERNAL_FAILURE }, { cause: err }) };
  }
}

function decodeUnchecked(bytes: Uint8Array, key: SessionKey, expect: DecodeExpectation): DecodeResult {
  if (!(bytes instanceof Uint8Array) || bytes.length < CONTROL_HEADER_SIZE + TAG_SIZE) {
    const got = bytes instanceof Uint8Array ? bytes.length : -1;
    return reject('WIRE_SHORT', `datagram of ${got} bytes is shorter than ${CONTROL_HEADER_SIZE + TAG_SIZE}`, {
      value: got,
      expected: CONTROL_HEADER_SIZE + TAG_SIZE,
    });
  }
  if (bytes.length > MAX_UDP_PAYLOAD) {
    return reject('WIRE_TOO_LARGE', `datagram of ${bytes.length} bytes exceeds ${MAX_UDP_PAYLOAD}`, { value: bytes.length });
  }
  // Fields are read byte by byte: a DataView per datagram was one more object for the collector.
  const magic = u16(bytes, OFFSET.magic);
  if (magic !== WIRE_MAGIC) return reject('WIRE_BAD_MAGIC', `magic 0x${magic.toString(16)} is not 0xca57`, { value: magic, expected: WIRE_MAGIC });
  const version = bytes[OFFSET.version] as number;
  if (version !== WIRE_VERSION) return reject('WIRE_BAD_VERSION', `version ${version}, this codec speaks ${WIRE_VERSION}`, { value: version, expected: WIRE_VERSION });
  const typeCode = bytes[OFFSET.type] as number;
  const type = TYPE_BY_CODE[typeCode];
  if (type === undefined) return reject('WIRE_BAD_TYPE', `unknown packet type ${typeCode}`, { field: 'type', value: typeCode });
  const flags = bytes[OFFSET.flags] as number;
  const reserved = bytes[OFFSET.reserved] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0 || reserved !== 0 || (type !== 'data' && (flags & FLAG_PARITY) !== 0)) {
    return reject('WIRE_BAD_FLAGS', `flags 0x${flags.toString(16)} / reserved ${reserved} not allowed on ${type}`, { field: 'flags', value: flags });
  }
  if (((flags & FLAG_ENCRYPTED) !== 0) !== key.encrypted) {
    return reject('WIRE_WRONG_MODE', key.encrypted ? 'plain packet in an encrypted session' : 'encrypted packet in a plain session', {
      field: 'flags',
      value: flags,
    });
  }
  const sessionId = u32(bytes, OFFSET.sessionId);
  if (sessionId !== expect.sessionId) {
    return reject('WIRE_WRONG_SESSION', `session ${sessionId}, expected ${expect.sessionId}`, { field: 'sessionId', value: sessionId, expected: expect.sessionId });
  }
  const hSize = type === 'data' ? DATA_HEADER_SIZE : CONTROL_HEADER_SIZE;
  const bodyLength = u16(bytes, OFFSET.bodyLength);
  if (hSize + bodyLength + TAG_SIZE !== bytes.length) {
    return reject('WIRE_BAD_LENGTH', `header says ${bodyLength} body bytes, datagram of ${bytes.length} holds ${bytes.length - hSize - TAG_SIZE}`, {
      field: 'bodyLength',
      value: bodyLength,
      expected: bytes.length - hSize - TAG_SIZE,
    });
  }
  const body = openPacket(bytes, hSize, key);
  if (body === undefined) return reject('WIRE_AUTH_FAILED', `${type} packet failed authentication`, { field: 'tag' });

  const envelope: Envelope = {
    sessionId,
    senderId: u32(bytes, OFFSET.senderId),
    seq: u64(bytes, OFFSET.seq),
    sentAtMs: u32(bytes, OFFSET.sentAtMs),
  };
  if (type === 'data') return decodeData(bytes, flags, body, envelope);
  let controlBody = body;
  if (expect.dpPublicKey && SIGNED_TYPES.has(type)) {
    const stripped = stripVerifiedSignature(type, bytes.subarray(0, hSize), body, expect.dpPublicKey);
    if (stripped instanceof WireError) return { ok: false, error: stripped };
    controlBody = stripped;
  }
  const message = decodeControlBody(type, controlBody);
  if (message instanceof WireError) return { ok: false, error: message as WireError<DecodeErrorCode> };
  return { ok: true, packet: { envelope, message } };
}

function decodeData(bytes: Uint8Array, flags: number, payload: Uint8Array, envelope: Envelope): DecodeResult {
  const block = u32(bytes, OFFSET.block);
  const symbol = bytes[OFFSET.symbol] as number;
  const k = bytes[OFFSET.k] as number;
  if (k === 0) return reject('WIRE_BAD_FIELD', 'k must be 1..255, got 0', { field: 'k', value: 0, expected: '1..255' });
  if (symbol === 255) return reject('WIRE_BAD_FIELD', 'symbol must be 0..254, got 255', { field: 'symbol', value: 255, expected: '0..254' });
  if (((flags & FLAG_PARITY) !== 0) !== symbol >= k) {
    return reject('WIRE_BAD_FIELD', `parity flag disagrees with symbol ${symbol} of k ${k}`, { field: 'flags', value: flags });
  }
  if (payload.length === 0) return reject('WIRE_BAD_FIELD', 'data packet with an empty payload', { field: 'payload', value: 0 });
  const message: DataMessage = { type: 'data', block, symbol, k, payload };
  return { ok: true, packet: { envelope, message } };
}

/** Big-endian unsigned reads at offsets the caller has checked against the datagram's length. */
function u16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] as number) * 0x1000000 + (((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number));
}

function u64(b: Uint8Array, o: number): bigint {
  const hi = u32(b, o);
  const lo = BigInt(u32(b, o + 4));
  // seq starts at 0 for every sender: the high half stays 0 for the first 4 billion packets.
  return hi === 0 ? lo : (BigInt(hi) << 32n) | lo;
}

/** Narrow a decoded packet to a control packet (convenience for receivers' dispatch). */
export function isControlPacket(packet: Packet): packet is Packet<ControlMessage> {
  return packet.message.type !== 'data';
}
