// PacketAead's two engines (node:crypto and the native add-on) against node:crypto's own
// AES-256-GCM, built here packet by packet as the protocol spells it (docs/protocol.md).
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { NONCE_OFFSET, TAG_SIZE } from './header';
import { loadNativeAddon, type NativeAddon } from './native-addon';
import { PacketAead } from './packet-aead';

const load = loadNativeAddon();
const engines: Array<[string, () => NativeAddon | null]> = [['node:crypto', () => null]];
if ('addon' in load) engines.push(['native', () => load.addon]);

/** header || body || tag, sealed with createCipheriv: the reference. */
function reference(key: Buffer, header: Buffer, body: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, header.subarray(NONCE_OFFSET, NONCE_OFFSET + 12), { authTagLength: TAG_SIZE });
  cipher.setAAD(header);
  const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
  return Buffer.concat([header, sealed, cipher.getAuthTag()]);
}

describe.each(engines)('PacketAead on %s', (_name, engine) => {
  const rawKey = randomBytes(32);
  const aead = (): PacketAead => new PacketAead(createSecretKey(rawKey), engine());

  // Bodies around AES's 16-byte blocks, a 1450-byte datagram's and a jumbo one's; the data
  // header (34 bytes) and the control header (28).
  it.each([
    [34, 0],
    [34, 1],
    [34, 15],
    [34, 16],
    [34, 17],
    [28, 100],
    [34, 1400],
    [34, 8900],
  ])('seals a %i-byte header and a %i-byte body as AES-256-GCM does, and opens it', (headerSize, bodySize) => {
    const header = randomBytes(headerSize);
    const body = randomBytes(bodySize);
    const want = reference(rawKey, header, body);
    const packet = Buffer.concat([header, body, Buffer.alloc(TAG_SIZE)]);
    aead().seal(packet, headerSize, headerSize + bodySize);
    expect(packet.toString('hex')).toBe(want.toString('hex'));
    const opened = aead().open(want, headerSize, headerSize + bodySize);
    expect(opened && Buffer.from(opened).toString('hex')).toBe(body.toString('hex'));
  });

  it('reads and writes a view at its own offset, and nothing outside it', () => {
    const backing = randomBytes(2000);
    const before = Buffer.from(backing);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 123, 1450);
    const want = reference(rawKey, Buffer.from(view.subarray(0, 34)), Buffer.from(view.subarray(34, 1434)));
    aead().seal(view, 34, 1434);
    expect(Buffer.from(view).equals(want)).toBe(true);
    expect(backing.subarray(0, 123).equals(before.subarray(0, 123))).toBe(true);
    expect(backing.subarray(123 + 1450).equals(before.subarray(123 + 1450))).toBe(true);
    expect(aead().open(view, 34, 1434)).toBeDefined();
  });

  it('refuses a packet after any one byte of header, body or tag changed', () => {
    const packet = reference(rawKey, randomBytes(34), randomBytes(64));
    const sealer = aead();
    for (let i = 0; i < packet.length; i++) {
      packet[i] = (packet[i] as number) ^ 0x01;
      expect(sealer.open(packet, 34, 98)).toBeUndefined();
      packet[i] = (packet[i] as number) ^ 0x01;
    }
    expect(sealer.open(packet, 34, 98)).toBeDefined();
  });

  it("refuses another key's packet", () => {
    const packet = reference(randomBytes(32), randomBytes(34), randomBytes(64));
    expect(aead().open(packet, 34, 98)).toBeUndefined();
  });

  it('says undefined for a layout that does not fit, and will not seal one', () => {
    const a = aead();
    expect(a.open(randomBytes(40), 34, 30)).toBeUndefined();
    expect(a.open(randomBytes(40), 34, 34)).toBeUndefined();
    expect(a.open(randomBytes(60), 10, 20)).toBeUndefined(); // the nonce (12..23) is not in the header
    expect(() => a.seal(randomBytes(40), 34, 34)).toThrow(RangeError);
    expect(() => a.seal(randomBytes(60), 34, 30)).toThrow(RangeError);
  });
});

describe('the native AES-GCM', () => {
  (engines.length === 2 ? it : it.skip)('hands out nothing decrypted when the tag does not hold', () => {
    const addon = engines[1]?.[1]() as NativeAddon;
    const packet = reference(Buffer.alloc(32, 1), randomBytes(34), Buffer.alloc(64, 0x55));
    packet[packet.length - 1] = (packet[packet.length - 1] as number) ^ 1;
    const out = Buffer.alloc(64, 0xee);
    expect(addon.aeadOpen(addon.aeadCreate(Buffer.alloc(32, 1)), packet, NONCE_OFFSET, 34, 98, out)).toBe(false);
    expect(out.equals(Buffer.alloc(64))).toBe(true);
  });

  (engines.length === 2 ? it : it.skip)('will not take a MAC state as a cipher state, or a key that is not 32 bytes', () => {
    const addon = engines[1]?.[1]() as NativeAddon;
    const packet = randomBytes(100);
    // Thrown from the add-on, so from Node's own realm: matched by code, not by jest's TypeError.
    const wrongState = expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'expected a state made by this add-on' });
    expect(() => addon.aeadSeal(addon.create(randomBytes(32)), packet, NONCE_OFFSET, 34, 84)).toThrow(wrongState);
    expect(() => addon.sign(addon.aeadCreate(randomBytes(32)), packet, 84, 16)).toThrow(wrongState);
    expect(() => addon.aeadCreate(randomBytes(16))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'an AES-256 key is 32 bytes' }));
    expect(() => addon.aeadOpen(addon.aeadCreate(randomBytes(32)), packet, NONCE_OFFSET, 34, 84, Buffer.alloc(10))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => addon.aeadSeal(addon.aeadCreate(randomBytes(32)), packet, NONCE_OFFSET, 34, 90)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    // Too few arguments: refused, not read past the end of the call's arguments.
    const missing = expect.objectContaining({ code: 'ERR_MISSING_ARGS' });
    expect(() => (addon.aeadSeal as (...args: unknown[]) => void)(addon.aeadCreate(randomBytes(32)), packet)).toThrow(missing);
    expect(() => (addon.aeadOpen as (...args: unknown[]) => void)(addon.aeadCreate(randomBytes(32)), packet, NONCE_OFFSET, 34, 84)).toThrow(missing);
    expect(() => (addon.verify as (...args: unknown[]) => void)(addon.create(randomBytes(32)), packet, 84)).toThrow(missing);
    expect(() => (addon.create as (...args: unknown[]) => void)()).toThrow(missing);
    expect(() => (addon.aeadCreate as (...args: unknown[]) => void)()).toThrow(missing);
  });
});
