// Seeded property tests of the decoder: whatever a peer sends, decodePacket returns a result and
// never throws, and no change to an authenticated packet is ever accepted. The seed is printed and
// can be replayed with WIRE_FC_SEED=<seed>.
import fc from 'fast-check';
import type { Envelope, Message } from './messages';
import { INTERNAL_FAILURE, decodePacket, encodePacket, type DecodeResult } from './packet-codec';
import { FIXTURE_SECRET, PACKET_FIXTURES, SESSION_ID, hex } from './packet.fixtures';
import { createSessionKey } from './session-key';

const SEED = Number(process.env['WIRE_FC_SEED'] ?? 20261123);
const RUNS = Number(process.env['WIRE_FC_RUNS'] ?? 1000);
const keys = { hmac: createSessionKey(FIXTURE_SECRET, false), gcm: createSessionKey(FIXTURE_SECRET, true) };
const params = { seed: SEED, numRuns: RUNS };

beforeAll(() => {
  console.info(`wire property tests: fast-check seed ${SEED}, ${RUNS} runs (replay: WIRE_FC_SEED=${SEED})`);
});

const golden = PACKET_FIXTURES.map((f) => ({ mode: f.mode, bytes: hex(f.hex) }));

/** One edit of a datagram. */
type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function applyEdit(bytes: Uint8Array, edit: Edit): Uint8Array {
  const at = bytes.length === 0 ? 0 : ('at' in edit ? edit.at % bytes.length : 0);
  const out = Uint8Array.from(bytes);
  switch (edit.kind) {
    case 'flip':
      if (out.length > 0) out[at] = (out[at] ?? 0) ^ (1 << edit.bit);
      return out;
    case 'set':
      if (out.length > 0) out[at] = edit.value;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'append':
      return Uint8Array.from([...out, ...edit.bytes]);
    case 'splice':
      return Uint8Array.from([...out.subarray(0, at), ...edit.bytes, ...out.subarray(at)]);
  }
}

/** Rejected, and by a check of the decoder, not by its catch-all (which would hide a throw). */
function expectRejected(result: DecodeResult): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.data?.field).not.toBe(INTERNAL_FAILURE);
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe('decodePacket on hostile input', () => {
  it('never throws on random bytes, and never accepts them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), fc.boolean(), (bytes, encrypted) => {
        const result = decodePacket(bytes, encrypted ? keys.gcm : keys.hmac, { sessionId: SESSION_ID });
        expectRejected(result);
      }),
      params,
    );
  });

  it('never throws on random bytes behind a valid header, and never accepts them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: golden.length - 1 }), fc.uint8Array({ maxLength: 200 }), (i, tail) => {
        const g = golden[i];
        if (!g) return;
        const headerSize = g.bytes[3] === 1 ? 34 : 28;
        const bytes = Uint8Array.from([...g.bytes.subarray(0, headerSize), ...tail]);
        // Keep the length field consistent half of the time so the tag check is reached.
        if (tail.length >= 16 && (tail[0] ?? 0) % 2 === 0) new DataView(bytes.buffer).setUint16(6, tail.length - 16);
        const result = decodePacket(bytes, keys[g.mode], { sessionId: SESSION_ID });
        expectRejected(result);
      }),
      params,
    );
  });

  it('never accepts an authenticated packet with any change (bit flips, byte edits, cuts, additions)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: golden.length - 1 }), fc.array(editArb, { minLength: 1, maxLength: 4 }), (i, edits) => {
        const g = golden[i];
        if (!g) return;
        const mutated = edits.reduce(applyEdit, g.bytes);
        fc.pre(!equalBytes(mutated, g.bytes));
        const result = decodePacket(mutated, keys[g.mode], { sessionId: SESSION_ID });
        expectRejected(result);
      }),
      params,
    );
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const envelopeArb: fc.Arbitrary<Envelope> = fc.record({
  sessionId: fc.constant(SESSION_ID),
  senderId: u32,
  seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  sentAtMs: u32,
});
const dataArb: fc.Arbitrary<Message> = fc
  .record({ block: u32, k: fc.integer({ min: 1, max: 255 }), symbol: fc.integer({ min: 0, max: 254 }), payload: fc.uint8Array({ minLength: 1, maxLength: 1422 }) })
  .map((d) => ({ type: 'data' as const, ...d }));
const nackArb: fc.Arbitrary<Message> = fc
  .record({
    receiverId: u32,
    entries: fc.array(
      fc.record({ block: u32, needed: fc.integer({ min: 1, max: 255 }), missing: fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }) }),
      { maxLength: 20 },
    ),
    ranges: fc.array(fc.tuple(u32, u32).map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) })), { maxLength: 20 }),
  })
  .map((n) => ({
    type: 'nack' as const,
    receiverId: n.receiverId,
    // An absent bitmap is absent, not `missing: undefined`, in decoded values.
    entries: n.entries.map((e) => (e.missing === undefined ? { block: e.block, needed: e.needed } : e)),
    ranges: n.ranges,
  }));
const statusArb: fc.Arbitrary<Message> = fc
  .record({
    receiverId: u32,
    state: fc.constantFrom('waiting', 'receiving', 'repairing', 'done', 'failed' as const),
    totalBlocks: u32,
    rateBps: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    lossPpm: fc.integer({ min: 0, max: 1_000_000 }),
    // 0 is sent as no field at all and decodes to no field (see control-codec).
    maxGap: fc.integer({ min: 0, max: 0xffff_ffff }),
    deliveryRateBps: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    queueDelayUs: fc.integer({ min: 0, max: 0xffff_ffff }),
    doneFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((s) => ({
    type: 'status' as const,
    receiverId: s.receiverId,
    state: s.state,
    blocksDone: Math.floor(s.totalBlocks * s.doneFraction),
    totalBlocks: s.totalBlocks,
    rateBps: s.rateBps,
    lossPpm: s.lossPpm,
    ...(s.maxGap > 0 ? { maxGap: s.maxGap } : {}),
    ...(s.deliveryRateBps > 0 ? { deliveryRateBps: s.deliveryRateBps } : {}),
    ...(s.queueDelayUs > 0 ? { queueDelayUs: s.queueDelayUs } : {}),
  }));

describe('round trip of generated values', () => {
  it('decode(encode(x)) = x for data, nack and status, in both modes', () => {
    fc.assert(
      fc.property(envelopeArb, fc.oneof(dataArb, nackArb, statusArb), fc.boolean(), (envelope, message, encrypted) => {
        const key = encrypted ? keys.gcm : keys.hmac;
        const result = decodePacket(encodePacket(envelope, message, key), key, { sessionId: SESSION_ID });
        if (!result.ok) throw result.error;
        expect(result.packet).toEqual({ envelope, message });
      }),
      params,
    );
  });
});
