// encodePacket's `into`: the same bytes as a fresh packet, written into the caller's buffer (the
// DP's recycled frames, issue 29.2).
import { createSessionKey } from './session-key';
import { decodePacket, encodePacket } from './packet-codec';
import { WireError } from './wire-error';
import type { DataMessage, Envelope } from './messages';

const envelope: Envelope = { sessionId: 0xc0de, senderId: 0x80000001, seq: 5n, sentAtMs: 123_456 };
const data = (size: number, fill: number): DataMessage => ({ type: 'data', block: 9, symbol: 3, k: 64, payload: new Uint8Array(size).fill(fill) });

describe.each([false, true])('encodePacket into a given buffer (encrypted %s)', (encrypted) => {
  const key = createSessionKey(new Uint8Array(32).fill(3), encrypted);

  it('writes the same bytes a fresh packet has, as a view of the buffer\'s start', () => {
    const frame = new Uint8Array(1600).fill(0xee);
    const fresh = encodePacket(envelope, data(1400, 1), key);
    const into = encodePacket(envelope, data(1400, 1), key, { into: frame });
    expect(Buffer.from(into).equals(Buffer.from(fresh))).toBe(true);
    expect(into.buffer).toBe(frame.buffer);
    expect(into.byteOffset).toBe(frame.byteOffset);
    // The bytes past the packet are left as they were.
    expect(frame.subarray(fresh.length).every((b) => b === 0xee)).toBe(true);
  });

  it('returns a frame the packet fills exactly as it is, not a new view of it (the DP\'s frames are full-symbol sized)', () => {
    const frame = new Uint8Array(1450);
    const into = encodePacket(envelope, data(1400, 1), key, { into: frame });
    expect(into).toBe(frame);
    expect(Buffer.from(into).equals(Buffer.from(encodePacket(envelope, data(1400, 1), key)))).toBe(true);
  });

  it('reuses one buffer for packet after packet, each decoding to its own payload', () => {
    const frame = new Uint8Array(8950);
    for (const fill of [1, 2, 3]) {
      const packet = encodePacket({ ...envelope, seq: BigInt(fill) }, data(8900, fill), key, { into: frame, maxDatagram: 8950 });
      const r = decodePacket(packet, key, { sessionId: envelope.sessionId });
      if (!r.ok || r.packet.message.type !== 'data') throw new Error('expected a data packet');
      expect(r.packet.message.payload.every((b) => b === fill)).toBe(true);
    }
  });

  it('refuses a buffer too short for the packet (WIRE_TOO_LARGE) and writes nothing', () => {
    const frame = new Uint8Array(1449).fill(0xee);
    expect(() => encodePacket(envelope, data(1400, 1), key, { into: frame })).toThrow(WireError);
    expect(() => encodePacket(envelope, data(1400, 1), key, { into: frame })).toThrow(/1450 bytes does not fit the 1449-byte buffer/);
    expect(frame.every((b) => b === 0xee)).toBe(true);
  });
});
