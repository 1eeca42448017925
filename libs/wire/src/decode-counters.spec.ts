import { DecodeCounters } from './decode-counters';
import { decodePacket } from './packet-codec';
import { DECODE_ERROR_FIXTURES, FIXTURE_SECRET, PACKET_FIXTURES, SESSION_ID, hex } from './packet.fixtures';
import { createSessionKey } from './session-key';

describe('DecodeCounters', () => {
  it('counts accepted packets and rejections per code', () => {
    const key = createSessionKey(FIXTURE_SECRET, false);
    const counters = new DecodeCounters();
    const hmacRows = PACKET_FIXTURES.filter((f) => f.mode === 'hmac');
    for (const f of hmacRows) counters.record(decodePacket(hex(f.hex), key, { sessionId: SESSION_ID }));
    counters.record(decodePacket(new Uint8Array(3), key, { sessionId: SESSION_ID }));
    counters.record(decodePacket(new Uint8Array(3), key, { sessionId: SESSION_ID }));
    const wrongSession = DECODE_ERROR_FIXTURES.find((f) => f.code === 'WIRE_WRONG_SESSION');
    counters.record(decodePacket(hex(wrongSession?.hex ?? ''), key, { sessionId: 1 }));

    const snap = counters.snapshot();
    expect(snap.accepted).toBe(hmacRows.length);
    expect(snap.rejected).toBe(3);
    expect(snap.byCode.WIRE_SHORT).toBe(2);
    expect(snap.byCode['WIRE_WRONG_SESSION']).toBe(1);
    expect(snap.byCode['WIRE_AUTH_FAILED']).toBe(0);
    expect(counters.rejectedFor('WIRE_SHORT')).toBe(2);

    counters.reset();
    expect(counters.snapshot()).toMatchObject({ accepted: 0, rejected: 0 });
  });

  it('hands back the result it counted', () => {
    const counters = new DecodeCounters();
    const result = decodePacket(new Uint8Array(0), createSessionKey(FIXTURE_SECRET, true), { sessionId: 1 });
    expect(counters.record(result)).toBe(result);
  });
});
