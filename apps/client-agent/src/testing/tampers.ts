// The hostile cases of flow specs as tampering of the real sender's packets (tamper-socket.ts):
// what a corrupted copy, an insider with the session key, or a filtered group does to them.
import type { Packet } from '@castpoint/wire';
import type { Tamper } from './tamper-socket';

/** An agent of the same session: it knows the session key but not the DP's signing key. */
const INSIDER_SENDER_ID = 0x77;

/** The packet with its data payload's first byte flipped (authenticated again: the chunk fails its hash, not the MAC). */
function corrupted(p: Packet): Packet {
  if (p.message.type !== 'data') return p;
  const payload = p.message.payload.slice();
  payload[0] = (payload[0] ?? 0) ^ 0xff;
  return { envelope: p.envelope, message: { ...p.message, payload } };
}

/**
 * Corrupts the data packets of `block` the sender sends: the first `count` of them (one copy of a
 * block of k symbols: count = k), or every one (an insider forging it, or a bad image).
 */
export function corruptBlock(block: number, count = Infinity): Tamper {
  let seen = 0;
  return (p, direction) => {
    if (direction !== 'out' || p.message.type !== 'data' || p.message.block !== block) return p;
    return seen++ < count ? corrupted(p) : p;
  };
}

/** Drops every data packet of blocks `from` and above: the group delivers only part of a pass. */
export function dropBlocksFrom(from: number): Tamper {
  return (p, direction) => (direction === 'out' && p.message.type === 'data' && p.message.block >= from ? undefined : p);
}

/**
 * Calls `then` once the sender has put its whole first pass on the wire (its first announce with
 * the cursor at the end of the image): what was delivered of that pass has reached the agent
 * ahead of anything sent after it.
 */
export function afterFirstPass(then: () => void, inner: Tamper): Tamper {
  let fired = false;
  return (p, direction) => {
    if (direction === 'out' && p.message.type === 'announce' && p.message.cursor >= p.message.totalBlocks && !fired) {
      fired = true;
      queueMicrotask(then);
    }
    return inner(p, direction);
  };
}

/**
 * An insider forges, with the session key alone, a kick (reason fail) of `receiverId` and a
 * finished announce, ahead of the DP's first announce. Agents must drop both (unsigned).
 */
export function forgeControlAtFirstAnnounce(receiverId: number): Tamper {
  let seq = 0n;
  let done = false;
  return (p, direction) => {
    if (direction !== 'out' || p.message.type !== 'announce' || done) return p;
    done = true;
    const envelope = { ...p.envelope, senderId: INSIDER_SENDER_ID };
    const kick: Packet = { envelope: { ...envelope, seq: seq++ }, message: { type: 'kick', receiverId, reason: 'fail', detail: 'forged by an insider' } };
    const finished: Packet = { envelope: { ...envelope, seq: seq++ }, message: { ...p.message, pass: 9, cursor: p.message.totalBlocks, repairs: [], finished: true } };
    return [kick, finished, p];
  };
}
