// Range checks shared by encoding (our own values: a bug, thrown) and decoding (a peer's values:
// rejected and counted). One set of rules for both sides keeps round trips exact.
import type {
  AnnounceMessage,
  ControlMessage,
  DataMessage,
  Envelope,
  KickMessage,
  NackMessage,
  StatusMessage,
} from './messages';
import { WireError } from './wire-error';

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;
/** Reed-Solomon over GF(2^8) has at most 255 symbols per block: source 0..k-1, parity k..254. */
export const MAX_SYMBOLS = 255;
/** A NACK bitmap covers at most 255 source symbols. */
export const MAX_BITMAP_BYTES = 32;
/** Longest kick detail, in UTF-16 code units (keeps one kick well inside a datagram). */
export const MAX_KICK_DETAIL = 256;
/** Largest loss figure: 100% in parts per million. */
export const MAX_LOSS_PPM = 1_000_000;

export const RECEIVER_STATES = ['waiting', 'receiving', 'repairing', 'done', 'failed'] as const;
export const LEAVE_REASONS = ['complete', 'cancelled', 'inactive'] as const;
export const KICK_REASONS = ['policy', 'fallback', 'fail', 'tier'] as const;

function fail(field: string, value: unknown, expected: string): never {
  const shown = typeof value === 'number' || typeof value === 'string' ? value : typeof value;
  throw new WireError('WIRE_BAD_FIELD', `${field} must be ${expected}, got ${String(shown)}`, {
    field,
    value: typeof shown === 'string' ? shown.slice(0, 64) : shown,
    expected,
  });
}

export function intIn(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, value, `an integer in ${min}..${max}`);
  }
}

const u32 = (field: string, value: unknown) => intIn(field, value, 0, U32_MAX);
const safeUint = (field: string, value: unknown) => intIn(field, value, 0, Number.MAX_SAFE_INTEGER);

function oneOf(field: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) fail(field, value, `one of ${allowed.join(', ')}`);
}

/** Throws `WIRE_BAD_FIELD` when an envelope field is out of range. */
export function validateEnvelope(envelope: Envelope): void {
  u32('sessionId', envelope.sessionId);
  u32('senderId', envelope.senderId);
  if (typeof envelope.seq !== 'bigint' || envelope.seq < 0n || envelope.seq > U64_MAX) {
    fail('seq', typeof envelope.seq === 'bigint' ? envelope.seq.toString() : envelope.seq, 'a bigint in 0..2^64-1');
  }
  u32('sentAtMs', envelope.sentAtMs);
}

/** Throws `WIRE_BAD_FIELD` when a data message's address or payload is invalid. */
export function validateData(message: DataMessage): void {
  u32('block', message.block);
  intIn('k', message.k, 1, MAX_SYMBOLS);
  intIn('symbol', message.symbol, 0, MAX_SYMBOLS - 1);
  if (!(message.payload instanceof Uint8Array) || message.payload.length === 0) {
    fail('payload', message.payload instanceof Uint8Array ? 0 : message.payload, 'a non-empty Uint8Array');
  }
}

function validateNack(m: NackMessage): void {
  u32('nack.receiverId', m.receiverId);
  if (!Array.isArray(m.entries)) fail('nack.entries', m.entries, 'an array');
  if (!Array.isArray(m.ranges)) fail('nack.ranges', m.ranges, 'an array');
  m.entries.forEach((e, i) => {
    u32(`nack.entries[${i}].block`, e.block);
    intIn(`nack.entries[${i}].needed`, e.needed, 1, MAX_SYMBOLS);
    if (e.missing !== undefined) {
      if (!(e.missing instanceof Uint8Array)) fail(`nack.entries[${i}].missing`, e.missing, 'a Uint8Array');
      intIn(`nack.entries[${i}].missing.length`, e.missing.length, 1, MAX_BITMAP_BYTES);
    }
  });
  m.ranges.forEach((r, i) => {
    u32(`nack.ranges[${i}].first`, r.first);
    intIn(`nack.ranges[${i}].last`, r.last, r.first, U32_MAX);
  });
}

function validateStatus(m: StatusMessage): void {
  u32('status.receiverId', m.receiverId);
  oneOf('status.state', m.state, RECEIVER_STATES);
  u32('status.totalBlocks', m.totalBlocks);
  intIn('status.blocksDone', m.blocksDone, 0, m.totalBlocks);
  safeUint('status.rateBps', m.rateBps);
  intIn('status.lossPpm', m.lossPpm, 0, MAX_LOSS_PPM);
  if (m.maxGap !== undefined) u32('status.maxGap', m.maxGap);
  if (m.deliveryRateBps !== undefined) safeUint('status.deliveryRateBps', m.deliveryRateBps);
  if (m.queueDelayUs !== undefined) u32('status.queueDelayUs', m.queueDelayUs);
}

function validateAnnounce(m: AnnounceMessage): void {
  u32('announce.totalBlocks', m.totalBlocks);
  u32('announce.cursor', m.cursor);
  u32('announce.pass', m.pass);
  u32('announce.grttMs', m.grttMs);
  safeUint('announce.rateBps', m.rateBps);
  u32('announce.probeId', m.probeId);
  if (typeof m.finished !== 'boolean') fail('announce.finished', m.finished, 'a boolean');
  if (!Array.isArray(m.repairs)) fail('announce.repairs', m.repairs, 'an array');
  if (!Array.isArray(m.probeTargets)) fail('announce.probeTargets', m.probeTargets, 'an array');
  m.repairs.forEach((r, i) => {
    u32(`announce.repairs[${i}].block`, r.block);
    intIn(`announce.repairs[${i}].firstSymbol`, r.firstSymbol, 0, MAX_SYMBOLS - 1);
    intIn(`announce.repairs[${i}].count`, r.count, 1, MAX_SYMBOLS - r.firstSymbol);
  });
  m.probeTargets.forEach((t, i) => u32(`announce.probeTargets[${i}]`, t));
}

function validateKick(m: KickMessage): void {
  u32('kick.receiverId', m.receiverId);
  oneOf('kick.reason', m.reason, KICK_REASONS);
  if (typeof m.detail !== 'string') fail('kick.detail', m.detail, 'a string');
  intIn('kick.detail.length', m.detail.length, 0, MAX_KICK_DETAIL);
}

/** Throws `WIRE_BAD_FIELD` when a control message has a field out of range. */
export function validateControl(message: ControlMessage): void {
  switch (message.type) {
    case 'nack':
      return validateNack(message);
    case 'status':
      return validateStatus(message);
    case 'announce':
      return validateAnnounce(message);
    case 'probe-echo':
      u32('probe-echo.receiverId', message.receiverId);
      u32('probe-echo.probeId', message.probeId);
      u32('probe-echo.probeSentAtMs', message.probeSentAtMs);
      u32('probe-echo.holdMs', message.holdMs);
      return;
    case 'leave':
      u32('leave.receiverId', message.receiverId);
      oneOf('leave.reason', message.reason, LEAVE_REASONS);
      return;
    case 'kick':
      return validateKick(message);
    default:
      fail('type', (message as { type?: unknown }).type, 'a control message type');
  }
}
