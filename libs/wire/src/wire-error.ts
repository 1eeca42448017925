// Typed errors of the wire codec. Decoding never throws: it returns one of these in a DecodeResult so
// the app can drop the packet and count it. Encoding (our own code) and key creation throw them.
import { CastpointError } from './errors';

/** Every code the wire codec can produce, with the one sentence that documents it. */
export const WIRE_ERROR_CODES = {
  WIRE_SHORT: 'The datagram is shorter than the smallest packet (control header plus tag).',
  'WIRE_TOO_LARGE': 'The datagram or the packet being encoded exceeds the maximum datagram size.',
  'WIRE_BAD_MAGIC': 'The first two bytes are not the castpoint magic 0xCA57: not a castpoint packet.',
  'WIRE_BAD_VERSION': 'The protocol version byte is not the one this codec speaks.',
  'WIRE_BAD_TYPE': 'The packet type byte names no known packet type.',
  'WIRE_BAD_FLAGS': 'Reserved flag bits or the reserved header byte are set, or the parity flag is set on a control packet.',
  'WIRE_WRONG_MODE': 'The packet is encrypted while the session only authenticates, or the reverse.',
  'WIRE_WRONG_SESSION': 'The packet carries another session id than the one expected.',
  'WIRE_BAD_LENGTH': 'The body length in the header disagrees with the datagram length.',
  'WIRE_AUTH_FAILED': 'The HMAC or AES-GCM tag does not match: forged, corrupted or keyed for another session.',
  'WIRE_BAD_BODY': 'The authenticated control body is not a valid protobuf message of its type.',
  'WIRE_BAD_FIELD': 'A header or message field is out of its range (u32, k 1..255, symbol < 255, enums, limits).',
  WIRE_UNSIGNED: 'A DP control packet (announce, kick) carries no Ed25519 signature while the receiver holds the DP public key.',
  'WIRE_BAD_SIGNATURE': 'The Ed25519 signature of a DP control packet does not verify with the DP public key: forged by a session member.',
  'WIRE_BAD_KEY': 'The session secret is not exactly 32 bytes, or a DP signing key is not a 32-byte Ed25519 key.',
} as const;

export type WireErrorCode = keyof typeof WIRE_ERROR_CODES;

/** Codes `decodePacket` can return (the rest are thrown by encoding or key creation only). */
export const DECODE_ERROR_CODES = [
  'WIRE_SHORT',
  'WIRE_TOO_LARGE',
  'WIRE_BAD_MAGIC',
  'WIRE_BAD_VERSION',
  'WIRE_BAD_TYPE',
  'WIRE_BAD_FLAGS',
  'WIRE_WRONG_MODE',
  'WIRE_WRONG_SESSION',
  'WIRE_BAD_LENGTH',
  'WIRE_AUTH_FAILED',
  'WIRE_UNSIGNED',
  'WIRE_BAD_SIGNATURE',
  'WIRE_BAD_BODY',
  'WIRE_BAD_FIELD',
] as const satisfies readonly WireErrorCode[];

export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

/** Facts of the case; which keys are present depends on the code. */
export interface WireErrorData {
  /** The field or header part at fault, e.g. `k`, `nack.entries[3].needed`. */
  readonly field?: string;
  /** The value found (numbers and short strings only: never echo a whole payload). */
  readonly value?: number | string;
  /** The limit or the expected value. */
  readonly expected?: number | string;
}

export class WireError<C extends WireErrorCode = WireErrorCode> extends CastpointError<C, WireErrorData> {
  constructor(code: C, message: string, data: WireErrorData = {}, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'WireError';
  }
}

/**
 * A WireError without a captured stack trace, for decode rejections: they describe a peer's bytes,
 * not a place in our code, and capturing a stack costs microseconds per dropped packet, which a
 * flood of garbage would turn into CPU. The global limit is restored before returning (synchronous,
 * so nothing else can observe it).
 */
export function peerError<C extends WireErrorCode>(code: C, message: string, data: WireErrorData = {}): WireError<C> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new WireError(code, message, data);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
