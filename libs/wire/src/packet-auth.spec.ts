// Checks the golden bytes against node:crypto directly, independent of the codec: the HKDF
// derivation, the HMAC input (header || body) and truncation, and the GCM nonce/AAD layout are
// exactly what docs/protocol.md says.
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { CONTROL_HEADER_SIZE, DATA_HEADER_SIZE, TAG_SIZE } from './header';
import { FIXTURE_SECRET, PACKET_FIXTURES, hex } from './packet.fixtures';
import { decodePacket, encodePacket } from './packet-codec';
import { PacketMac } from './packet-mac';
import { createSessionKey } from './session-key';
import { WireError } from './wire-error';

const derive = (info: string) => Buffer.from(hkdfSync('sha256', FIXTURE_SECRET, 'castpoint/wire/v1', info, 32));

describe.each(PACKET_FIXTURES.map((f) => [`${f.mode} ${f.name}`, f] as const))('%s', (_, f) => {
  const bytes = Buffer.from(hex(f.hex));
  const headerSize = f.message.type === 'data' ? DATA_HEADER_SIZE : CONTROL_HEADER_SIZE;
  const header = bytes.subarray(0, headerSize);
  const body = bytes.subarray(headerSize, bytes.length - TAG_SIZE);
  const tag = bytes.subarray(bytes.length - TAG_SIZE);

  if (f.mode === 'hmac') {
    it('tag = HMAC-SHA-256(HKDF(secret, "hmac-sha256-128"), header || body), first 16 bytes', () => {
      const mac = createHmac('sha256', derive('hmac-sha256-128')).update(header).update(body).digest();
      expect(tag.toString('hex')).toBe(mac.subarray(0, 16).toString('hex'));
    });
  } else {
    it('body = AES-256-GCM(HKDF(secret, "aes-256-gcm"), nonce = header[12..24), aad = header)', () => {
      const decipher = createDecipheriv('aes-256-gcm', derive('aes-256-gcm'), header.subarray(12, 24));
      decipher.setAAD(header);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(body), decipher.final()]);
      if (f.message.type === 'data') expect(new Uint8Array(plain)).toEqual(f.message.payload);
      else expect(plain.length).toBe(body.length);
    });
  }
});

describe('createSessionKey', () => {
  it.each([0, 16, 31, 33, 64])('refuses a %i-byte secret with bad-key', (n) => {
    expect(() => createSessionKey(new Uint8Array(n), false)).toThrow(WireError);
    try {
      createSessionKey(new Uint8Array(n), true);
    } catch (err) {
      expect((err as WireError).code).toBe('WIRE_BAD_KEY');
    }
  });

  it('derives different keys per mode from one secret', () => {
    const a = createSessionKey(FIXTURE_SECRET, false).key.export();
    const b = createSessionKey(FIXTURE_SECRET, true).key.export();
    expect(a.equals(b)).toBe(false);
    expect(a.equals(Buffer.from(FIXTURE_SECRET))).toBe(false);
  });
});

describe('PacketMac', () => {
  it.each([0, 1, 63, 64, 65, 1450, 2048, 9000, 65507])('equals createHmac for %i bytes, reusing its scratch', (n) => {
    const key = createSessionKey(FIXTURE_SECRET, false);
    const data = Buffer.alloc(n);
    for (let i = 0; i < n; i++) data[i] = (i * 131 + n) & 0xff;
    const expected = createHmac('sha256', derive('hmac-sha256-128')).update(data).digest('hex');
    expect(key.mac?.digest(data).toString('hex')).toBe(expected);
    // Again after a different length: nothing of the previous input may leak into the next.
    key.mac?.digest(Buffer.alloc(n + 100, 7));
    expect(key.mac?.digest(data).toString('hex')).toBe(expected);
  });

  it('hashes keys longer than a block first, as RFC 2104 says', () => {
    const long = Buffer.alloc(100, 0xab);
    const data = Buffer.from('castpoint');
    expect(new PacketMac(long).digest(data).toString('hex')).toBe(createHmac('sha256', long).update(data).digest('hex'));
  });

  it('is absent in GCM mode', () => {
    expect(createSessionKey(FIXTURE_SECRET, true).mac).toBeUndefined();
  });
});

describe('PacketMac sign/verify by offset', () => {
  const mac = new PacketMac(derive('hmac-sha256-128'));
  const packet = (n: number): Buffer => {
    const p = Buffer.alloc(n + 16);
    for (let i = 0; i < n; i++) p[i] = (i * 7 + n) & 0xff;
    return p;
  };

  it.each([0, 50, 1434, 1500])('writes the truncated HMAC at tagAt and accepts it back (%i bytes before the tag)', (n) => {
    const p = packet(n);
    mac.sign(p, n, 16);
    expect(p.subarray(n).toString('hex')).toBe(createHmac('sha256', derive('hmac-sha256-128')).update(p.subarray(0, n)).digest().subarray(0, 16).toString('hex'));
    expect(mac.verify(p, n, 16)).toBe(true);
    // Works on a plain Uint8Array too (a view into a bigger buffer).
    const host = new Uint8Array(n + 40);
    host.set(p, 24);
    expect(mac.verify(host.subarray(24), n, 16)).toBe(true);
  });

  it('refuses any changed byte, in the data or in the tag, and a tag past the end', () => {
    const p = packet(100);
    mac.sign(p, 100, 16);
    for (const at of [0, 57, 99, 100, 115]) {
      const q = Buffer.from(p);
      q[at] = (q[at] as number) ^ 1;
      expect(mac.verify(q, 100, 16)).toBe(false);
    }
    expect(mac.verify(p, 101, 16)).toBe(false);
  });
});

describe.each([
  ['an HMAC key without its PacketMac', false],
  ['an encrypted key without its PacketAead', true],
])('a hand-built key: %s', (_name, encrypted) => {
  const real = createSessionKey(FIXTURE_SECRET, encrypted);
  const bare = { encrypted, key: real.key, mac: undefined, aead: undefined };
  const msg = { type: 'data' as const, block: 1, symbol: 0, k: 4, payload: new Uint8Array(8) };
  const env = { sessionId: 7, senderId: 1, seq: 1n, sentAtMs: 0 };

  it('is refused with bad-key when encoding, and decoding reports an error instead of throwing', () => {
    expect(() => encodePacket(env, msg, bare)).toThrow(expect.objectContaining({ code: 'WIRE_BAD_KEY' }));
    const r = decodePacket(encodePacket(env, msg, real), bare, { sessionId: 7 });
    expect(r.ok).toBe(false);
  });
});
