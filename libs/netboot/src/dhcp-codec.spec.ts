import fc from 'fast-check';
import { decodeDhcp, encodeDhcp } from './dhcp-codec';
import { DECODE_ONLY, DHCP_ERROR_FIXTURES, DHCP_FIXTURES, hex, PROXY_OFFER_HEX } from './dhcp.fixtures';
import { NETBOOT_ERROR_CODES } from './errors';
import { classifyClient } from './pxe-client';
import { proxyOffer } from './pxe-replies';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DHCP fixtures', () => {
  describe.each(DHCP_FIXTURES.map((f) => [f.name, f] as const))('%s', (_, f) => {
    it('decodes the golden bytes to the value', () => {
      const r = decodeDhcp(hex(f.hex));
      if (!r.ok) throw r.error;
      expect(r.value).toEqual(f.message);
    });

    it('classifies the client', () => {
      const c = classifyClient(f.message);
      expect({ pxe: c.pxe, ipxe: c.ipxe, arch: c.arch, uuid: c.uuid }).toEqual(f.client);
      expect(c.mac).toBe('52:54:00:12:34:56');
    });

    if (!DECODE_ONLY.has(f.name)) {
      it('encodes the value to the golden bytes', () => {
        expect(toHex(encodeDhcp(f.message))).toBe(toHex(hex(f.hex)));
      });
    }

    it('round-trips value -> bytes -> value', () => {
      const r = decodeDhcp(encodeDhcp(f.message));
      expect(r.ok && r.value).toEqual(f.message);
    });
  });

  it.each(DHCP_ERROR_FIXTURES.map((f) => [f.name, f] as const))('refuses %s', (_, f) => {
    const r = decodeDhcp(hex(f.hex));
    expect(r.ok ? 'decoded' : r.error.code).toBe(f.code);
  });

  it('every error code is documented and each row names a known code', () => {
    for (const f of DHCP_ERROR_FIXTURES) expect(Object.keys(NETBOOT_ERROR_CODES)).toContain(f.code);
  });
});

describe('proxyDHCP offer', () => {
  it('encodes to the golden bytes: no address, next server and file, PXE direct boot, UUID echoed', () => {
    const bios = DHCP_FIXTURES[0];
    if (!bios) throw new Error('fixture missing');
    const offer = proxyOffer(bios.message, classifyClient(bios.message), { serverIp: '10.77.0.1', bootFile: 'undionly.kpxe' });
    expect(toHex(encodeDhcp(offer))).toBe(toHex(hex(PROXY_OFFER_HEX)));
  });
});

describe('DHCP decode on crafted input', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => {
        const r = decodeDhcp(bytes);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on golden messages with bytes flipped or cut', () => {
    const golden = DHCP_FIXTURES.map((f) => hex(f.hex));
    fc.assert(
      fc.property(fc.constantFrom(...golden), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), (base, flips, cut) => {
        const b = base.slice(0, base.length - (cut % 80));
        for (const [at, v] of flips) b[at % b.length] = v;
        const r = decodeDhcp(b);
        if (r.ok) expect(() => classifyClient(r.value)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
