// Shared builders for the engine specs (not exported from the lib).
import type { ControlMessage, Envelope, Message, Packet } from '@castpoint/wire';



/** An envelope for tests. */
export function env(senderId: number, seq = 1n, sentAtMs = 0): Envelope {
  return { sessionId: 1, senderId, seq, sentAtMs };
}

export function pkt<M extends Message>(message: M, senderId = 0x80000001, seq = 1n, sentAtMs = 0): Packet<M> {
  return { envelope: env(senderId, seq, sentAtMs), message };
}

/** Each control packet gets a fresh seq, as an agent's would: the engine drops replays. */
let controlSeq = 1n;

export function control(message: ControlMessage): { type: 'packet'; packet: Packet<ControlMessage> } {
  return { type: 'packet', packet: pkt(message, 'receiverId' in message ? message.receiverId : 1, controlSeq++) };
}
