// A data packet sealed in place around a payload the sender already copied into its frame: the
// DP's send path (issue 29). encodePacket takes an envelope and a message, two objects and a
// BigInt sequence number per packet, and copies the payload from a view of the symbol: about a
// third of the garbage the DP made per datagram. Here the sender keeps one DataFields object for
// the session and changes its numbers packet after packet, and the payload is copied once, from
// the symbol's block straight into the frame. The bytes are encodePacket's, byte for byte
// (data-frame.spec.ts checks both modes against it); receivers decode them with decodePacket.
import { DATA_HEADER_SIZE, FLAG_ENCRYPTED, FLAG_PARITY, MAX_UDP_PAYLOAD, PACKET_TYPE_CODES, TAG_SIZE, writeDataAddress, writeHeader } from './header';
import { sealInPlace } from './packet-auth';
import type { SessionKey } from './session-key';
import { MAX_SYMBOLS, intIn } from './validate';
import { WireError } from './wire-error';

/** A data packet's header fields, kept by a sender and changed per packet (no object per packet). */
export interface DataFields {
  sessionId: number;
  senderId: number;
  /** The packet's sequence number: an integer below 2^53 (a number, where an envelope has a bigint). */
  seq: number;
  sentAtMs: number;
  block: number;
  symbol: number;
  k: number;
}

const U32_MAX = 0xffffffff;
const TWO_32 = 0x1_0000_0000;

/**
 * Seals the data packet whose payload is frame[DATA_HEADER_SIZE, DATA_HEADER_SIZE + payloadLength):
 * writes the header before it and the tag after it (in the encrypted mode, encrypts the payload in
 * place first). Returns the packet's length; the packet is frame[0, length). Throws
 * `WIRE_BAD_FIELD` for a field out of range and `WIRE_TOO_LARGE` when the packet exceeds the frame
 * or `maxDatagram`: the sender's own values, so either is a bug.
 */
export function sealDataFrame(frame: Uint8Array, f: DataFields, payloadLength: number, key: SessionKey, maxDatagram: number): number {
  intIn('sessionId', f.sessionId, 0, U32_MAX);
  intIn('senderId', f.senderId, 0, U32_MAX);
  intIn('seq', f.seq, 0, Number.MAX_SAFE_INTEGER);
  intIn('sentAtMs', f.sentAtMs, 0, U32_MAX);
  intIn('block', f.block, 0, U32_MAX);
  intIn('k', f.k, 1, MAX_SYMBOLS);
  intIn('symbol', f.symbol, 0, MAX_SYMBOLS - 1);
  intIn('payload.length', payloadLength, 1, MAX_UDP_PAYLOAD);
  const tagAt = DATA_HEADER_SIZE + payloadLength;
  const total = tagAt + TAG_SIZE;
  const limit = Math.min(maxDatagram, MAX_UDP_PAYLOAD, frame.length);
  if (total > limit) {
    throw new WireError('WIRE_TOO_LARGE', `data packet of ${total} bytes exceeds the ${limit}-byte limit (datagram ${maxDatagram}, frame ${frame.length})`, { field: 'length', value: total, expected: limit });
  }
  const flags = (key.encrypted ? FLAG_ENCRYPTED : 0) | (f.symbol >= f.k ? FLAG_PARITY : 0);
  writeHeader(frame, PACKET_TYPE_CODES.data, flags, payloadLength, f.sessionId, f.senderId, Math.floor(f.seq / TWO_32), f.seq % TWO_32, f.sentAtMs);
  writeDataAddress(frame, f.block, f.symbol, f.k);
  sealInPlace(frame, DATA_HEADER_SIZE, tagAt, key);
  return total;
}
