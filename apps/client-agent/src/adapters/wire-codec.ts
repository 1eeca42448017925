// SessionCodec over libs/wire: the session key from the DP (base64, 32 bytes) turned into a packet
// key, this registration's sender id, and a sequence counter from 0: the DP gives every registration
// a fresh sender id, so (senderId, seq), the AES-GCM nonce, never repeats under one key. Announces
// and kicks must carry the DP's signature (its public key came with the join): every agent of the
// session holds the session key, so without it any of them could kick the others.
import {
  DecodeCounters,
  SESSION_SECRET_SIZE,
  createSessionKey,
  publicKeyFromBase64,
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
  if (session.signingKey === undefined) {
    throw new AgentError('dp-refused', 'The DP sent no signing key with the session: its kicks and announces could not be told from forgeries');
  }
  let dpPublicKey;
  try {
    dpPublicKey = publicKeyFromBase64(session.signingKey);
  } catch (err) {
    throw new AgentError('dp-refused', `The DP sent an invalid signing key: ${(err as Error).message}`, undefined, { cause: err });
  }
  const expect = { sessionId: session.id, dpPublicKey };
  let seq = 0n;
  return {
    counters,
    decode(bytes: Uint8Array): DecodeResult {
      const r = counters.record(decodePacket(bytes, key, expect));
      return r.ok ? { ok: true, packet: r.packet } : { ok: false, reason: r.error.code };
    },
    encode(message: ControlMessage, nowMs: number): Uint8Array {
      const envelope = { sessionId: session.id, senderId, seq: seq++, sentAtMs: Math.floor(nowMs) % 2 ** 32 };
      return encodePacket(envelope, message, key);
    },
  };
}
