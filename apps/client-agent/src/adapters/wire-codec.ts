// SessionCodec over libs/wire: the session key from the DP (base64, 32 bytes) turned into a packet
// key, this registration's sender id, and a sequence counter from 0: the DP gives every registration
// a fresh sender id, so (senderId, seq), the AES-GCM nonce, never repeats under one key.
import {
  DecodeCounters,
  SESSION_SECRET_SIZE,
  createSessionKey,
  decodePacket,
  encodePacket,
  type ControlMessage,
  type SessionInfo,
} from '@castpoint/wire';
import { AgentError } from '../errors';
import type { DecodeResult, SessionCodec } from '../flow/ports';

export function wireSessionCodec(session: SessionInfo, senderId: number, counters = new DecodeCounters()): SessionCodec & { counters: DecodeCounters } {
  const secret = Buffer.from(session.key, 'base64');
  if (secret.length !== SESSION_SECRET_SIZE) {
    throw new AgentError('dp-refused', `The DP sent a session key of ${secret.length} bytes instead of ${SESSION_SECRET_SIZE}`);
  }
  const key = createSessionKey(new Uint8Array(secret), session.encrypted);
  let seq = 0n;
  return {
    counters,
    decode(bytes: Uint8Array): DecodeResult {
      const r = counters.record(decodePacket(bytes, key, { sessionId: session.id }));
      return r.ok ? { ok: true, packet: r.packet } : { ok: false, reason: r.error.code };
    },
    encode(message: ControlMessage, nowMs: number): Uint8Array {
      const envelope = { sessionId: session.id, senderId, seq: seq++, sentAtMs: Math.floor(nowMs) % 2 ** 32 };
      return encodePacket(envelope, message, key);
    },
  };
}
