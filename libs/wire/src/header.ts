// The fixed binary header every castpoint packet starts with, and the size arithmetic around it.
// Layout (big-endian), byte by byte, is documented in docs/protocol.md; keep the two in step.
import type { MessageType } from './messages';
import { WireError } from './wire-error';

/** First two bytes of every packet ("CA57" reads as "CAST"). */
export const WIRE_MAGIC = 0xca57;
/** Protocol version this codec speaks; any other value is rejected with `WIRE_BAD_VERSION`. */
export const WIRE_VERSION = 1;

/** Packet type byte for each message type. Values are part of the protocol: never renumber. */
export const PACKET_TYPE_CODES = {
  data: 1,
  nack: 2,
  status: 3,
  announce: 4,
  'probe-echo': 5,
  leave: 6,
  kick: 7,
} as const satisfies Record<MessageType, number>;

/** Flag bit: the body is AES-256-GCM ciphertext (else plain, HMAC-authenticated). */
export const FLAG_ENCRYPTED = 0x01;
/** Flag bit: a data packet carries a parity symbol (symbol >= k). Never set on control packets. */
export const FLAG_PARITY = 0x02;
export const KNOWN_FLAGS = FLAG_ENCRYPTED | FLAG_PARITY;

/** Byte offsets of the common header fields. */
export const OFFSET = {
  magic: 0,
  version: 2,
  type: 3,
  flags: 4,
  reserved: 5,
  bodyLength: 6,
  sessionId: 8,
  senderId: 12,
  seq: 16,
  sentAtMs: 24,
  // Data packets only:
  block: 28,
  symbol: 32,
  k: 33,
} as const;

/** Header of control packets (common part only). */
export const CONTROL_HEADER_SIZE = 28;
/** Header of data packets: common part + block (u32), symbol (u8), k (u8). */
export const DATA_HEADER_SIZE = 34;
/** Authentication tag: HMAC-SHA-256 truncated to 128 bits, or the 128-bit AES-GCM tag. */
export const TAG_SIZE = 16;
/** The GCM nonce is header bytes 12..23: senderId (u32) || seq (u64), contiguous on purpose. */
export const NONCE_OFFSET = OFFSET.senderId;
export const NONCE_SIZE = 12;

/** IPv4 header without options. */
export const IPV4_HEADER_SIZE = 20;
export const UDP_HEADER_SIZE = 8;
/** Everything a data packet adds to its payload on an IPv4 link: 20 + 8 + 34 + 16 = 78 bytes. */
export const DATA_PACKET_OVERHEAD = IPV4_HEADER_SIZE + UDP_HEADER_SIZE + DATA_HEADER_SIZE + TAG_SIZE;
/** Everything a control packet adds to its protobuf body on an IPv4 link: 72 bytes. */
export const CONTROL_PACKET_OVERHEAD = IPV4_HEADER_SIZE + UDP_HEADER_SIZE + CONTROL_HEADER_SIZE + TAG_SIZE;

export const DEFAULT_MTU = 1500;
/** Largest UDP payload IPv4 can carry; also the hard cap of any configured datagram size. */
export const MAX_UDP_PAYLOAD = 65507;
/** Largest datagram (UDP payload) that fits the default MTU: 1472 bytes. */
export const DEFAULT_MAX_DATAGRAM = DEFAULT_MTU - IPV4_HEADER_SIZE - UDP_HEADER_SIZE;
/** The smallest MTU IPv4 guarantees; anything below is refused. */
export const MIN_MTU = 576;

/**
 * Largest data payload (symbol size) such that the whole IPv4 packet (IP + UDP + castpoint header +
 * tag) fits `mtu`, so a packet is never fragmented: 1422 for the default 1500. Both modes use a
 * 16-byte tag, so `encrypted` does not change the figure today; it is a parameter so that callers do
 * not need to know that (and a future mode with another tag size stays a local change).
 */
export function maxSymbolSize(mtu: number = DEFAULT_MTU, encrypted = false): number {
  void encrypted;
  if (!Number.isInteger(mtu) || mtu < MIN_MTU || mtu > MAX_UDP_PAYLOAD + IPV4_HEADER_SIZE + UDP_HEADER_SIZE) {
    const expected = `${MIN_MTU}..${MAX_UDP_PAYLOAD + IPV4_HEADER_SIZE + UDP_HEADER_SIZE}`;
    throw new WireError('WIRE_BAD_FIELD', `mtu must be an integer in ${expected}, got ${mtu}`, { field: 'mtu', value: mtu, expected });
  }
  return mtu - DATA_PACKET_OVERHEAD;
}

/** Largest UDP payload that fits `mtu` on IPv4. */
export function maxDatagramSize(mtu: number = DEFAULT_MTU): number {
  return maxSymbolSize(mtu) + DATA_HEADER_SIZE + TAG_SIZE;
}

/**
 * Writes the common header into packet[0, CONTROL_HEADER_SIZE), byte by byte (big-endian, as decode
 * reads it): encodePacket's and sealDataFrame's one writer. The sequence number comes as its two
 * 32-bit halves, so neither caller needs a BigInt per packet. Values are the caller's, checked.
 */
export function writeHeader(packet: Uint8Array, typeCode: number, flags: number, bodyLength: number, sessionId: number, senderId: number, seqHigh: number, seqLow: number, sentAtMs: number): void {
  packet[OFFSET.magic] = WIRE_MAGIC >>> 8;
  packet[OFFSET.magic + 1] = WIRE_MAGIC & 0xff;
  packet[OFFSET.version] = WIRE_VERSION;
  packet[OFFSET.type] = typeCode;
  packet[OFFSET.flags] = flags;
  packet[OFFSET.reserved] = 0;
  packet[OFFSET.bodyLength] = bodyLength >>> 8;
  packet[OFFSET.bodyLength + 1] = bodyLength & 0xff;
  putU32(packet, OFFSET.sessionId, sessionId);
  putU32(packet, OFFSET.senderId, senderId);
  putU32(packet, OFFSET.seq, seqHigh);
  putU32(packet, OFFSET.seq + 4, seqLow);
  putU32(packet, OFFSET.sentAtMs, sentAtMs);
}

/** Writes a data packet's block address (block, symbol, k) after the common header. */
export function writeDataAddress(packet: Uint8Array, block: number, symbol: number, k: number): void {
  putU32(packet, OFFSET.block, block);
  packet[OFFSET.symbol] = symbol;
  packet[OFFSET.k] = k;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Header size of a packet of the given type code (data packets carry the block address). */
export function headerSize(typeCode: number): number {
  return typeCode === PACKET_TYPE_CODES.data ? DATA_HEADER_SIZE : CONTROL_HEADER_SIZE;
}

/**
 * The session id of a datagram without authenticating it, to route it to the right session's key
 * (one socket may serve several sessions). Undefined when it is not a castpoint packet of this
 * version. Never trust anything else from an unauthenticated packet.
 */
export function peekSessionId(bytes: Uint8Array): number | undefined {
  if (bytes.length < CONTROL_HEADER_SIZE + TAG_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(OFFSET.magic) !== WIRE_MAGIC || view.getUint8(OFFSET.version) !== WIRE_VERSION) return undefined;
  return view.getUint32(OFFSET.sessionId);
}
