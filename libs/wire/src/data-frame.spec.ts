// sealDataFrame against encodePacket: the same bytes for the same fields, in both modes.
import { DATA_HEADER_SIZE } from './header';
import { sealDataFrame, type DataFields } from './data-frame';
import { decodePacket, encodePacket } from './packet-codec';
import { createSessionKey } from './session-key';

const CASES: ReadonlyArray<{ name: string; fields: DataFields; payload: number; maxDatagram?: number }> = [
  { name: 'a source symbol', fields: { sessionId: 0xc0de, senderId: 0x80000001, seq: 5, sentAtMs: 123_456, block: 9, symbol: 3, k: 64 }, payload: 1400 },
  { name: 'a parity symbol (flag set)', fields: { sessionId: 1, senderId: 2, seq: 0, sentAtMs: 0, block: 0, symbol: 70, k: 64 }, payload: 1400 },
  { name: 'a short last symbol', fields: { sessionId: 7, senderId: 7, seq: 77, sentAtMs: 0xffffffff, block: 0xffffffff, symbol: 0, k: 1 }, payload: 1 },
  { name: 'a sequence number past 2^32', fields: { sessionId: 3, senderId: 4, seq: 2 ** 40 + 12_345, sentAtMs: 9, block: 5, symbol: 254, k: 255 }, payload: 700 },
  { name: 'a jumbo symbol', fields: { sessionId: 3, senderId: 4, seq: 2 ** 53 - 1, sentAtMs: 9, block: 5, symbol: 1, k: 2 }, payload: 8900, maxDatagram: 8950 },
];

const payloadOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe.each([false, true])('sealDataFrame (encrypted %s)', (encrypted) => {
  const key = createSessionKey(new Uint8Array(32).fill(9), encrypted);

  it.each(CASES)('gives encodePacket’s bytes for $name', ({ fields, payload, maxDatagram }) => {
    const body = payloadOf(payload, fields.block);
    const expected = encodePacket(
      { sessionId: fields.sessionId, senderId: fields.senderId, seq: BigInt(fields.seq), sentAtMs: fields.sentAtMs },
      { type: 'data', block: fields.block, symbol: fields.symbol, k: fields.k, payload: body },
      key,
      maxDatagram !== undefined ? { maxDatagram } : {},
    );
    const frame = new Uint8Array(9000).fill(0xee);
    frame.set(body, DATA_HEADER_SIZE);
    const length = sealDataFrame(frame, fields, payload, key, maxDatagram ?? 1472);
    expect(length).toBe(expected.length);
    expect(Buffer.from(frame.subarray(0, length)).equals(Buffer.from(expected))).toBe(true);
    // Nothing past the packet is touched.
    expect(frame.subarray(length).every((b) => b === 0xee)).toBe(true);
    const r = decodePacket(frame.subarray(0, length), key, { sessionId: fields.sessionId });
    if (!r.ok || r.packet.message.type !== 'data') throw new Error(`expected a data packet, got ${r.ok ? r.packet.message.type : r.error.code}`);
    expect(r.packet.envelope.seq).toBe(BigInt(fields.seq));
    expect(Buffer.from(r.packet.message.payload).equals(Buffer.from(body))).toBe(true);
  });

  it.each([
    ['seq', { seq: -1 }],
    ['seq', { seq: 2 ** 53 }],
    ['block', { block: 2 ** 32 }],
    ['k', { k: 0 }],
    ['symbol', { symbol: 255 }],
    ['sentAtMs', { sentAtMs: 1.5 }],
    ['sessionId', { sessionId: -3 }],
  ] as const)('refuses %s out of range (%o) with WIRE_BAD_FIELD', (field, change) => {
    const fields: DataFields = { ...(CASES[0] as { fields: DataFields }).fields, ...change };
    expect(() => sealDataFrame(new Uint8Array(1500), fields, 1400, key, 1472)).toThrow(expect.objectContaining({ code: 'WIRE_BAD_FIELD', data: expect.objectContaining({ field }) }));
  });

  it('refuses a packet past the datagram limit or the frame, and an empty payload', () => {
    const fields = (CASES[0] as { fields: DataFields }).fields;
    expect(() => sealDataFrame(new Uint8Array(9000), fields, 1423, key, 1472)).toThrow(expect.objectContaining({ code: 'WIRE_TOO_LARGE' }));
    expect(() => sealDataFrame(new Uint8Array(1000), fields, 1400, key, 1472)).toThrow(expect.objectContaining({ code: 'WIRE_TOO_LARGE' }));
    expect(() => sealDataFrame(new Uint8Array(1500), fields, 0, key, 1472)).toThrow(expect.objectContaining({ code: 'WIRE_BAD_FIELD' }));
  });
});
