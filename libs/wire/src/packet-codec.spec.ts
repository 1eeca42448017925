import { createSessionKey } from './session-key';
import { decodePacket, encodePacket } from './packet-codec';
import {
  DECODE_ERROR_FIXTURES,
  ENCODE_ERROR_FIXTURES,
  FIXTURE_SECRET,
  PACKET_FIXTURES,
  SESSION_ID,
  hex,
  type Mode,
} from './packet.fixtures';
import { WireError } from './wire-error';

const keyFor = (mode: Mode, secret: Uint8Array = FIXTURE_SECRET) => createSessionKey(secret, mode === 'gcm');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('packet fixtures', () => {
  describe.each(PACKET_FIXTURES.map((f) => [`${f.mode} ${f.name}`, f] as const))('%s', (_, f) => {
    const key = keyFor(f.mode);

    it('decodes the golden bytes to the value', () => {
      const result = decodePacket(hex(f.hex), key, { sessionId: SESSION_ID });
      if (!result.ok) throw result.error;
      expect(result.packet).toEqual({ envelope: f.envelope, message: f.message });
    });

    it('encodes the value to the golden bytes', () => {
      expect(toHex(encodePacket(f.envelope, f.message, key))).toBe(toHex(hex(f.hex)));
    });

    it('round-trips value -> bytes -> value', () => {
      const result = decodePacket(encodePacket(f.envelope, f.message, key), key, { sessionId: SESSION_ID });
      expect(result.ok && result.packet).toEqual({ envelope: f.envelope, message: f.message });
    });
  });

  it('covers every packet type in both modes', () => {
    const seen = new Set(PACKET_FIXTURES.map((f) => `${f.mode}:${f.message.type}`));
    for (const mode of ['hmac', 'gcm']) {
      for (const type of ['data', 'nack', 'status', 'announce', 'probe-echo', 'leave', 'kick']) {
        expect(seen).toContain(`${mode}:${type}`);
      }
    }
  });
});

describe('decode error fixtures', () => {
  it.each(DECODE_ERROR_FIXTURES.map((f) => [f.name, f] as const))('%s', (_, f) => {
    const bytes = f.bytes ? f.bytes() : hex(f.hex ?? '');
    const result = decodePacket(bytes, keyFor(f.mode, f.secret), { sessionId: f.sessionId ?? SESSION_ID });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(WireError);
    expect(result.error.code).toBe(f.code);
    expect(result.error.message.length).toBeGreaterThan(0);
  });
});

describe('encode error fixtures', () => {
  it.each(ENCODE_ERROR_FIXTURES.map((f) => [f.name, f] as const))('%s', (_, f) => {
    for (const mode of ['hmac', 'gcm'] as const) {
      const options = f.maxDatagram === undefined ? {} : { maxDatagram: f.maxDatagram };
      let thrown: unknown;
      try {
        encodePacket(f.envelope, f.message, keyFor(mode), options);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(WireError);
      expect((thrown as WireError).code).toBe(f.code);
    }
  });
});

describe('decoded values', () => {
  it('copies NACK bitmaps out of the datagram, so reusing the receive buffer cannot change them', () => {
    const f = PACKET_FIXTURES.find((x) => x.mode === 'hmac' && x.message.type === 'nack');
    if (!f) throw new Error('fixture missing');
    const bytes = hex(f.hex);
    const result = decodePacket(bytes, keyFor('hmac'), { sessionId: SESSION_ID });
    if (!result.ok || result.packet.message.type !== 'nack') throw new Error('expected a nack');
    bytes.fill(0);
    expect(result.packet.message.entries[0]?.missing).toEqual(Uint8Array.of(0x09));
  });

  it('accepts a packet decoded from a view into a larger buffer (byteOffset != 0)', () => {
    const f = PACKET_FIXTURES[0];
    if (!f) throw new Error('fixture missing');
    const golden = hex(f.hex);
    const big = new Uint8Array(golden.length + 10);
    big.set(golden, 7);
    const result = decodePacket(big.subarray(7, 7 + golden.length), keyFor(f.mode), { sessionId: SESSION_ID });
    expect(result.ok && result.packet.message).toEqual(f.message);
  });

  it('gives different ciphertexts for the same data under different seq (nonce) values', () => {
    const f = PACKET_FIXTURES.find((x) => x.mode === 'gcm' && x.message.type === 'data');
    if (!f) throw new Error('fixture missing');
    const key = keyFor('gcm');
    const a = encodePacket({ ...f.envelope, seq: 1n }, f.message, key);
    const b = encodePacket({ ...f.envelope, seq: 2n }, f.message, key);
    expect(toHex(a.subarray(34, -16))).not.toBe(toHex(b.subarray(34, -16)));
  });
});
