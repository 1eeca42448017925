import { DATA_PACKET_OVERHEAD, DEFAULT_MAX_DATAGRAM, maxDatagramSize, maxSymbolSize, peekSessionId } from './header';
import { encodePacket } from './packet-codec';
import { FIXTURE_SECRET, PACKET_FIXTURES, hex } from './packet.fixtures';
import { createSessionKey } from './session-key';
import { WireError } from './wire-error';

describe('sizes', () => {
  it('fits 1422-byte symbols in a 1500-byte MTU: 20 IP + 8 UDP + 34 header + 16 tag', () => {
    expect(DATA_PACKET_OVERHEAD).toBe(78);
    expect(maxSymbolSize(1500, false)).toBe(1422);
    expect(maxSymbolSize(1500, true)).toBe(1422);
    expect(maxSymbolSize()).toBe(1422);
    expect(maxSymbolSize(9000, true)).toBe(8922);
    expect(DEFAULT_MAX_DATAGRAM).toBe(1472);
    expect(maxDatagramSize(1500)).toBe(1472);
  });

  it.each([0, 575, 1500.5, 70000, Number.NaN])('refuses mtu %p', (mtu) => {
    expect(() => maxSymbolSize(mtu, false)).toThrow(WireError);
  });

  it.each([[1500], [1280], [9000]])('a maxSymbolSize payload makes an IP packet of exactly mtu %i bytes, one more is refused', (mtu) => {
    for (const encrypted of [false, true]) {
      const key = createSessionKey(FIXTURE_SECRET, encrypted);
      const size = maxSymbolSize(mtu, encrypted);
      const envelope = { sessionId: 1, senderId: 2, seq: 3n, sentAtMs: 4 };
      const data = (n: number) => ({ type: 'data' as const, block: 0, symbol: 0, k: 1, payload: new Uint8Array(n) });
      const packet = encodePacket(envelope, data(size), key, { maxDatagram: maxDatagramSize(mtu) });
      expect(20 + 8 + packet.length).toBe(mtu);
      expect(() => encodePacket(envelope, data(size + 1), key, { maxDatagram: maxDatagramSize(mtu) })).toThrow(WireError);
    }
  });
});

describe('peekSessionId', () => {
  it('reads the session id of a castpoint packet without a key', () => {
    const f = PACKET_FIXTURES[0];
    if (!f) throw new Error('fixture missing');
    expect(peekSessionId(hex(f.hex))).toBe(0xc0de);
  });

  it('returns undefined for short or foreign datagrams', () => {
    expect(peekSessionId(new Uint8Array(10))).toBeUndefined();
    expect(peekSessionId(new Uint8Array(100))).toBeUndefined();
  });
});
