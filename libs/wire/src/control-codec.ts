// Control bodies: plain message types of messages.ts <-> protobuf (classes generated from
// proto/control.proto by the `codegen` target). Values are validated on both sides with the same
// rules (validate.ts), so whatever decodes also re-encodes to the same message.
import { castpoint } from './generated/control';
import type {
  AnnounceMessage,
  ControlMessage,
  KickMessage,
  LeaveMessage,
  NackMessage,
  ProbeEchoMessage,
  StatusMessage,
} from './messages';
import { KICK_REASONS, LEAVE_REASONS, RECEIVER_STATES, validateControl } from './validate';
import { WireError, peerError } from './wire-error';

const pb = castpoint.wire.v1;

// Protobuf enum value = index + 1 (0 is UNSPECIFIED and always rejected).
const enumToWire = (values: readonly string[], value: string): number => values.indexOf(value) + 1;
function enumFromWire<T extends string>(values: readonly T[], value: number, field: string): T {
  const v = values[value - 1];
  if (v === undefined) throw peerError('WIRE_BAD_FIELD', `${field}: unknown enum value ${value}`, { field, value });
  return v;
}

/**
 * protobufjs returns uint64 as a Long object when the `long` package is installed, as a number
 * otherwise: accept both, and refuse values a JS number cannot hold exactly.
 */
function u64ToNumber(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    const n = (high >>> 0) * 2 ** 32 + (low >>> 0);
    if (Number.isSafeInteger(n)) return n;
    throw new WireError('WIRE_BAD_FIELD', `${field} exceeds 2^53-1`, { field, value: String(n) });
  }
  throw new WireError('WIRE_BAD_FIELD', `${field}: not an integer`, { field });
}

/** Encode a control message body. Throws `WIRE_BAD_FIELD` when a field is out of range. */
export function encodeControlBody(message: ControlMessage): Uint8Array {
  validateControl(message);
  switch (message.type) {
    case 'nack':
      return pb.Nack.encode({
        receiverId: message.receiverId,
        entries: message.entries.map((e) => ({ block: e.block, needed: e.needed, missing: e.missing ?? new Uint8Array(0) })),
        ranges: message.ranges.map((r) => ({ first: r.first, last: r.last })),
      }).finish();
    case 'status':
      return pb.Status.encode({
        receiverId: message.receiverId,
        state: enumToWire(RECEIVER_STATES, message.state),
        blocksDone: message.blocksDone,
        totalBlocks: message.totalBlocks,
        rateBps: message.rateBps,
        lossPpm: message.lossPpm,
        // Only when non-zero: the bytes of a status without a gap stay what older agents sent.
        ...(message.maxGap ? { maxGap: message.maxGap } : {}),
        // Likewise the rate-control fields (docs/protocol.md, "Rate control").
        ...(message.deliveryRateBps ? { deliveryRateBps: message.deliveryRateBps } : {}),
        ...(message.queueDelayUs ? { queueDelayUs: message.queueDelayUs } : {}),
      }).finish();
    case 'announce':
      return pb.Announce.encode({
        totalBlocks: message.totalBlocks,
        cursor: message.cursor,
        pass: message.pass,
        grttMs: message.grttMs,
        rateBps: message.rateBps,
        repairs: message.repairs.map((r) => ({ block: r.block, firstSymbol: r.firstSymbol, count: r.count })),
        probeId: message.probeId,
        probeTargets: [...message.probeTargets],
        finished: message.finished,
      }).finish();
    case 'probe-echo':
      return pb.ProbeEcho.encode({
        receiverId: message.receiverId,
        probeId: message.probeId,
        probeSentAtMs: message.probeSentAtMs,
        holdMs: message.holdMs,
      }).finish();
    case 'leave':
      return pb.Leave.encode({ receiverId: message.receiverId, reason: enumToWire(LEAVE_REASONS, message.reason) }).finish();
    case 'kick':
      return pb.Kick.encode({
        receiverId: message.receiverId,
        reason: enumToWire(KICK_REASONS, message.reason),
        detail: message.detail,
      }).finish();
  }
}

function decodeNack(body: Uint8Array): NackMessage {
  const m = pb.Nack.decode(body);
  return {
    type: 'nack',
    receiverId: m.receiverId,
    // Copy bitmaps: the body may be a view into the caller's datagram buffer.
    entries: m.entries.map((e) => {
      const block = e.block ?? 0;
      const needed = e.needed ?? 0;
      return e.missing && e.missing.length > 0 ? { block, needed, missing: new Uint8Array(e.missing) } : { block, needed };
    }),
    ranges: m.ranges.map((r) => ({ first: r.first ?? 0, last: r.last ?? 0 })),
  };
}

function decodeStatus(body: Uint8Array): StatusMessage {
  const m = pb.Status.decode(body);
  // A 64-bit field's default decodes as a Long-like object, not 0: convert before testing for 0.
  const deliveryRateBps = u64ToNumber(m.deliveryRateBps, 'status.deliveryRateBps');
  return {
    type: 'status',
    receiverId: m.receiverId,
    state: enumFromWire(RECEIVER_STATES, m.state, 'status.state'),
    blocksDone: m.blocksDone,
    totalBlocks: m.totalBlocks,
    rateBps: u64ToNumber(m.rateBps, 'status.rateBps'),
    lossPpm: m.lossPpm,
    ...(m.maxGap ? { maxGap: m.maxGap } : {}),
    ...(deliveryRateBps ? { deliveryRateBps } : {}),
    ...(m.queueDelayUs ? { queueDelayUs: m.queueDelayUs } : {}),
  };
}

function decodeAnnounce(body: Uint8Array): AnnounceMessage {
  const m = pb.Announce.decode(body);
  return {
    type: 'announce',
    totalBlocks: m.totalBlocks,
    cursor: m.cursor,
    pass: m.pass,
    grttMs: m.grttMs,
    rateBps: u64ToNumber(m.rateBps, 'announce.rateBps'),
    repairs: m.repairs.map((r) => ({ block: r.block ?? 0, firstSymbol: r.firstSymbol ?? 0, count: r.count ?? 0 })),
    probeId: m.probeId,
    probeTargets: [...m.probeTargets],
    finished: m.finished,
  };
}

function decodeProbeEcho(body: Uint8Array): ProbeEchoMessage {
  const m = pb.ProbeEcho.decode(body);
  return {
    type: 'probe-echo',
    receiverId: m.receiverId,
    probeId: m.probeId,
    probeSentAtMs: m.probeSentAtMs,
    holdMs: m.holdMs,
  };
}

function decodeLeave(body: Uint8Array): LeaveMessage {
  const m = pb.Leave.decode(body);
  return { type: 'leave', receiverId: m.receiverId, reason: enumFromWire(LEAVE_REASONS, m.reason, 'leave.reason') };
}

function decodeKick(body: Uint8Array): KickMessage {
  const m = pb.Kick.decode(body);
  return {
    type: 'kick',
    receiverId: m.receiverId,
    reason: enumFromWire(KICK_REASONS, m.reason, 'kick.reason'),
    detail: m.detail,
  };
}

const DECODERS: Record<ControlMessage['type'], (body: Uint8Array) => ControlMessage> = {
  nack: decodeNack,
  status: decodeStatus,
  announce: decodeAnnounce,
  'probe-echo': decodeProbeEcho,
  leave: decodeLeave,
  kick: decodeKick,
};

/**
 * Decode and validate an authenticated control body. Never throws: protobuf errors become
 * `WIRE_BAD_BODY`, values out of range `WIRE_BAD_FIELD`.
 */
export function decodeControlBody(type: ControlMessage['type'], body: Uint8Array): ControlMessage | WireError {
  let message: ControlMessage;
  try {
    message = DECODERS[type](body);
  } catch (err) {
    if (err instanceof WireError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return peerError('WIRE_BAD_BODY', `${type} body is not valid protobuf: ${detail}`, { field: type });
  }
  try {
    validateControl(message);
  } catch (err) {
    if (err instanceof WireError) return err;
    return new WireError('WIRE_BAD_FIELD', `${type} body failed validation`, { field: type }, { cause: err });
  }
  return message;
}
