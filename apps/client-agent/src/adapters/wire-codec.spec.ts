import { createSessionKey, encodePacket, publicKeyToBase64, signingKeyFromSeed, type Message, type SessionInfo } from '@castpoint/wire';
import { wireSessionCodec } from './wire-codec';

const DP = signingKeyFromSeed(new Uint8Array(32).fill(3));
const secret = Buffer.alloc(32, 9);
const session = { id: 77, encrypted: false, key: secret.toString('base64'), signingKey: publicKeyToBase64(DP.publicKey) } as SessionInfo;
const key = createSessionKey(new Uint8Array(secret), false);
const finished: Message = { type: 'announce', totalBlocks: 4, cursor: 4, pass: 1, grttMs: 5, rateBps: 1, repairs: [], probeId: 0, probeTargets: [], finished: true };
const fromDp = (seq: bigint, message: Message = finished, signed = true) =>
  encodePacket({ sessionId: 77, senderId: 0x80000002, seq, sentAtMs: 0 }, message, key, signed ? { signer: DP.privateKey } : {});

describe('the agent session codec', () => {
  it('accepts the DP-signed announce and refuses one made with the session key alone (an insider)', () => {
    const codec = wireSessionCodec(session, 5);
    expect(codec.decode(fromDp(1n))).toBeDefined();
    expect(codec.decode(fromDp(2n, finished, false))).toBeUndefined();
    expect(codec.counters.rejectedFor('WIRE_UNSIGNED')).toBe(1);
  });

  it('drops a signed announce replayed (same or older seq of the same DP sender), not a newer one', () => {
    const codec = wireSessionCodec(session, 5);
    const old = fromDp(10n);
    expect(codec.decode(old)).toBeDefined();
    expect(codec.decode(old)).toBeUndefined();
    expect(codec.decode(fromDp(9n))).toBeUndefined();
    expect(codec.replays()).toBe(2);
    expect(codec.decode(fromDp(11n))).toBeDefined();
    expect(codec.counters.snapshot().rejected).toBe(0);
  });

  it('drops a replayed announce before checking its signature: a wrong signature on an old seq counts as a replay', () => {
    const codec = wireSessionCodec(session, 5);
    expect(codec.decode(fromDp(10n))).toBeDefined();
    // Session key (any agent has it) and an Ed25519 signature, but not the DP's.
    const insider = signingKeyFromSeed(new Uint8Array(32).fill(4));
    const forged = (seq: bigint) => encodePacket({ sessionId: 77, senderId: 0x80000002, seq, sentAtMs: 0 }, finished, key, { signer: insider.privateKey });
    expect(codec.decode(forged(7n))).toBeUndefined();
    expect(codec.replays()).toBe(1);
    expect(codec.counters.rejectedFor('WIRE_BAD_SIGNATURE')).toBe(0);
    // A newer seq is checked as before.
    expect(codec.decode(forged(11n))).toBeUndefined();
    expect(codec.counters.rejectedFor('WIRE_BAD_SIGNATURE')).toBe(1);
    expect(codec.replays()).toBe(1);
  });

  it('does not hold data to the announce order (reordered and repeated data are normal)', () => {
    const codec = wireSessionCodec(session, 5);
    expect(codec.decode(fromDp(20n))).toBeDefined();
    const data: Message = { type: 'data', block: 0, symbol: 0, k: 4, payload: new Uint8Array(8) };
    expect(codec.decode(fromDp(3n, data, false))).toBeDefined();
    expect(codec.decode(fromDp(3n, data, false))).toBeDefined();
  });

  it.each([
    [{ ...session, signingKey: undefined }, /no signing key/],
    [{ ...session, signingKey: 'AAAA' }, /invalid signing key/],
  ])('refuses a session without a valid DP signing key (%#)', (s, message) => {
    expect(() => wireSessionCodec(s as SessionInfo, 5)).toThrow(expect.objectContaining({ code: 'dp-refused', message: expect.stringMatching(message) }));
  });
});
