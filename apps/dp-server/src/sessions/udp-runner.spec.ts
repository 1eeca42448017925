import { createSessionKey, decodePacket, encodePacket, type AnnounceMessage } from '@castpoint/wire';
import { wireSafe } from './udp-runner';

describe('wireSafe (engine announce -> wire limits)', () => {
  const announce: AnnounceMessage = {
    type: 'announce',
    totalBlocks: 100,
    cursor: 40,
    pass: 0,
    grttMs: 1.425,
    rateBps: 62_500_000.7,
    repairs: [
      { block: 3, firstSymbol: 64, count: 10 },
      { block: 7, firstSymbol: 200, count: 80 },
    ],
    probeId: 0,
    probeTargets: [],
    finished: false,
  };

  it('rounds GRTT up and the rate to whole numbers, and cuts repair runs at symbol 254', () => {
    const safe = wireSafe(announce);
    expect(safe).toMatchObject({ grttMs: 2, rateBps: 62_500_001, repairs: [{ block: 3, firstSymbol: 64, count: 10 }, { block: 7, firstSymbol: 200, count: 55 }] });
  });

  it('makes the engine announce encodable (the raw one is refused by the codec)', () => {
    const key = createSessionKey(new Uint8Array(32).fill(7), false);
    const env = { sessionId: 9, senderId: 0x80000001, seq: 1n, sentAtMs: 5 };
    expect(() => encodePacket(env, announce, key)).toThrow();
    const bytes = encodePacket(env, wireSafe(announce), key);
    const back = decodePacket(bytes, key, { sessionId: 9 });
    expect(back.ok && back.packet.message).toMatchObject({ type: 'announce', grttMs: 2 });
  });
});
