// SessionCodec over libs/wire: the session key from the DP (base64, 32 bytes) turned into a packet
// key, this registration's sender id, and a sequence counter from 0: the DP gives every registration
// a fresh sender id, so (senderId, seq), the AES-GCM nonce, never repeats under one key. Announces
// and kicks must carry the DP's signature (its public key came with the join): every agent of the
// session holds the session key, so without it any of them could kick the others.
import {
  CONTROL_HEADER_SIZE,
  DecodeCounters,
  OFFSET,
  PACKET_TYPE_CODES,
  SESSION_SECRET_SIZE,
  createSessionKey,
  publicKeyFromBase64,
  decodePacket,
  encodePacket,
  type ControlMessage,
  type Packet,
  type SessionInfo,
} from '@castpoint/wire';
import { AgentError } from '../errors';
import type { SessionCodec } from '../flow/ports';

export function wireSessionCodec(
  session: SessionInfo,
  senderId: number,
  counters = new DecodeCounters(),
): SessionCodec & { readonly counters: DecodeCounters; replays(): number } {
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
  /**
   * Highest announce seq seen per DP sender id: a signature proves the DP sent a packet once, not
   * now, so an old signed announce (a "finished" one) replayed by an insider is dropped. Older
   * announces overtaken by a newer one carry nothing the newer does not. Kicks are not filtered:
   * a kick ends this receiver's stay, so a replay of one it obeyed cannot reach it again.
   */
  const lastAnnounce = new Map<number, bigint>();
  let replays = 0;
  return {
    counters,
    replays: () => replays,
    decode(bytes: Uint8Array): Packet | undefined {
      // An announce that claims a seq its DP sender already went past is dropped before anything
      // is checked: it would be dropped after its Ed25519 signature was checked (~120 us of CPU
      // here, under load), so an insider replaying old announces at line rate would make every
      // agent spend that on each. Nothing unchecked is kept: the header is only read to drop it.
      if (staleAnnounce(bytes, lastAnnounce)) {
        replays++;
        return undefined;
      }
      // The one session-id check on the way in: decodePacket refuses another session's packets.
      const r = counters.record(decodePacket(bytes, key, expect));
      if (!r.ok) return undefined;
      const { envelope, message } = r.packet;
      if (message.type === 'announce') {
        const last = lastAnnounce.get(envelope.senderId);
        if (last !== undefined && envelope.seq <= last) {
          replays++;
          return undefined;
        }
        lastAnnounce.set(envelope.senderId, envelope.seq);
      }
      return r.packet;
    },
    encode(message: ControlMessage, nowMs: number): Uint8Array {
      const envelope = { sessionId: session.id, senderId, seq: seq++, sentAtMs: Math.floor(nowMs) % 2 ** 32 };
      return encodePacket(envelope, message, key);
    },
  };
}

/** True when `bytes` says it is an announce whose seq does not pass the last one of its sender. */
function staleAnnounce(bytes: Uint8Array, lastAnnounce: ReadonlyMap<number, bigint>): boolean {
  if (bytes[OFFSET.type] !== PACKET_TYPE_CODES.announce || bytes.length < CONTROL_HEADER_SIZE) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = lastAnnounce.get(view.getUint32(OFFSET.senderId));
  return last !== undefined && view.getBigUint64(OFFSET.seq) <= last;
}
