import { createSessionKey } from './session-key';
import { decodePacket, encodePacket } from './packet-codec';
import { FIXTURE_SECRET, PACKET_FIXTURES, SESSION_ID, hex, type Mode } from './packet.fixtures';
import { INSIDER_SEED, SIGNED_DECODE_ERROR_FIXTURES, SIGNED_PACKET_FIXTURES, SIGNING_SEED } from './signed-packet.fixtures';
import { publicKeyFromBase64, publicKeyToBase64, signingKeyFromSeed } from './control-signature';
import { WireError } from './wire-error';

const keyFor = (mode: Mode) => createSessionKey(FIXTURE_SECRET, mode === 'gcm');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dpKey = signingKeyFromSeed(SIGNING_SEED);
const expectSigned = { sessionId: SESSION_ID, dpPublicKey: dpKey.publicKey };

describe('signed packet fixtures', () => {
  describe.each(SIGNED_PACKET_FIXTURES.map((f) => [`${f.mode} ${f.name}`, f] as const))('%s', (_, f) => {
    const key = keyFor(f.mode);

    it('decodes the golden bytes to the value, checking the DP signature', () => {
      const result = decodePacket(hex(f.hex), key, expectSigned);
      if (!result.ok) throw result.error;
      expect(result.packet).toEqual({ envelope: f.envelope, message: f.message });
    });

    it('encodes the value, signed, to the golden bytes', () => {
      expect(toHex(encodePacket(f.envelope, f.message, key, { signer: dpKey.privateKey }))).toBe(toHex(hex(f.hex)));
    });

    it('still decodes for a receiver that does not check signatures (the field is skipped)', () => {
      const result = decodePacket(hex(f.hex), key, { sessionId: SESSION_ID });
      expect(result.ok && result.packet.message).toEqual(f.message);
    });
  });
});

describe('signed decode error fixtures', () => {
  it.each(SIGNED_DECODE_ERROR_FIXTURES.map((f) => [f.name, f] as const))('%s', (_, f) => {
    const key = keyFor(f.mode);
    // The session tag is valid: without the DP key the forgery would be accepted (today's hole).
    expect(decodePacket(hex(f.hex), key, { sessionId: SESSION_ID }).ok).toBe(true);
    const result = decodePacket(hex(f.hex), key, expectSigned);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(WireError);
    expect(result.error.code).toBe(f.code);
  });
});

describe('DP control signatures', () => {
  it('are required on every announce and kick of the unsigned fixture table', () => {
    for (const f of PACKET_FIXTURES.filter((x) => x.message.type === 'announce' || x.message.type === 'kick')) {
      const result = decodePacket(hex(f.hex), keyFor(f.mode), expectSigned);
      expect(!result.ok && result.error.code).toBe('WIRE_UNSIGNED');
    }
  });

  it('are not asked of agents\' packets nor of data', () => {
    for (const f of PACKET_FIXTURES.filter((x) => x.message.type !== 'announce' && x.message.type !== 'kick')) {
      const result = decodePacket(hex(f.hex), keyFor(f.mode), expectSigned);
      expect(result.ok && result.packet.message).toEqual(f.message);
    }
  });

  it('are only put on announce and kick, whatever the encoder is given', () => {
    const leave = PACKET_FIXTURES.find((x) => x.mode === 'hmac' && x.message.type === 'leave');
    if (!leave) throw new Error('fixture missing');
    expect(toHex(encodePacket(leave.envelope, leave.message, keyFor('hmac'), { signer: dpKey.privateKey }))).toBe(toHex(hex(leave.hex)));
  });

  it('from an insider\'s own key are refused', () => {
    const insider = signingKeyFromSeed(INSIDER_SEED);
    const f = SIGNED_PACKET_FIXTURES[1];
    if (!f) throw new Error('fixture missing');
    const forged = encodePacket({ ...f.envelope, seq: 99n }, f.message, keyFor(f.mode), { signer: insider.privateKey });
    const result = decodePacket(forged, keyFor(f.mode), expectSigned);
    expect(!result.ok && result.error.code).toBe('WIRE_BAD_SIGNATURE');
  });

  it('public keys travel as 32 bytes of base64 and come back the same', () => {
    const text = publicKeyToBase64(dpKey.publicKey);
    expect(Buffer.from(text, 'base64')).toHaveLength(32);
    expect(publicKeyToBase64(publicKeyFromBase64(text))).toBe(text);
  });

  it.each([['', 'empty'], ['AAAA', 'too short'], ['not base64 at all!!', 'not base64'], [Buffer.alloc(33).toString('base64'), '33 bytes']])(
    'a signing key %j (%s) is refused with bad-key',
    (text) => {
      expect(() => publicKeyFromBase64(text)).toThrow(expect.objectContaining({ code: 'WIRE_BAD_KEY' }));
    },
  );

  it('a seed of the wrong size is refused with bad-key', () => {
    expect(() => signingKeyFromSeed(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'WIRE_BAD_KEY' }));
  });
});
