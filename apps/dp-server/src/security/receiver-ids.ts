// Receiver ids that cannot be guessed. A receiver id addresses kicks and is what an agent names
// itself by on the HTTP API (previousReceiverId, progress); handed out 1, 2, 3 ... an insider could
// address every other agent by counting. The store keeps its counter (each registration gets the
// next number, saved before it is handed out, so never twice), and this keyed permutation turns the
// n-th number into the id: unique because a permutation is one-to-one, unguessable without the key.
//
// An 8-round Feistel network over 32 bits (HMAC-SHA-256 as the round function), restricted
// to 1..2^31-1 by cycle walking: ids are also the agents' envelope sender ids, which must stay
// below 0x80000000 (the DP's), and 0 is never an id.
import { createHmac, hkdfSync, type KeyObject } from 'node:crypto';

const ROUNDS = 8;
export const MAX_RECEIVER_ID = 0x7fffffff;

export class ReceiverIdCipher {
  private readonly key: Buffer;

  /** `key`: 32 secret bytes, the same for the DP's whole life (see `fromSigningKey`). */
  constructor(key: Uint8Array) {
    if (key.length < 16) throw new RangeError('a receiver id key needs at least 16 bytes');
    this.key = Buffer.from(key);
  }

  /** Derived from the DP's signing key, so it survives restarts without another secret file. */
  static fromSigningKey(privateKey: KeyObject): ReceiverIdCipher {
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    return new ReceiverIdCipher(new Uint8Array(hkdfSync('sha256', der, 'castpoint/dp/v1', 'receiver-ids', 32)));
  }

  /** The id of the n-th registration, n in 1..2^31-1: a one-to-one map onto 1..2^31-1. */
  idFor(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RECEIVER_ID) throw new RangeError(`receiver counter ${n} is outside 1..${MAX_RECEIVER_ID}`);
    let x = n;
    // Cycle walking: the permutation of 32-bit values, applied again until the value lands in the
    // id range, is a permutation of that range (about two steps on average).
    do x = this.permute(x);
    while (x < 1 || x > MAX_RECEIVER_ID);
    return x;
  }

  private permute(x: number): number {
    let left = x >>> 16;
    let right = x & 0xffff;
    for (let round = 0; round < ROUNDS; round++) {
      const next = left ^ this.roundFunction(round, right);
      left = right;
      right = next;
    }
    return ((left << 16) | right) >>> 0;
  }

  private roundFunction(round: number, half: number): number {
    const mac = createHmac('sha256', this.key).update(Uint8Array.of(round, half >>> 8, half & 0xff)).digest();
    return mac.readUInt16BE(0);
  }
}
