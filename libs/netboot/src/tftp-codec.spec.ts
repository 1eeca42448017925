import fc from 'fast-check';
import { hex } from './dhcp.fixtures';
import { NetbootError } from './errors';
import { decodeTftp, encodeTftp } from './tftp-codec';
import { TFTP_ERROR_FIXTURES, TFTP_FIXTURES } from './tftp.fixtures';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('TFTP fixtures', () => {
  describe.each(TFTP_FIXTURES.map((f) => [f.name, f] as const))('%s', (_, f) => {
    it('decodes the golden bytes to the value', () => {
      const r = decodeTftp(hex(f.hex));
      if (!r.ok) throw r.error;
      expect(r.value).toEqual(f.packet);
    });

    it('encodes the value to the golden bytes', () => {
      expect(toHex(encodeTftp(f.packet))).toBe(toHex(hex(f.hex)));
    });
  });

  it.each(TFTP_ERROR_FIXTURES.map((f) => [f.name, f] as const))('refuses %s', (_, f) => {
    const r = decodeTftp(hex(f.hex));
    expect(r.ok ? 'decoded' : r.error.code).toBe(f.code);
  });

  it('reads option names case-insensitively and keeps the first of a repeated one', () => {
    const r = decodeTftp(encodeTftp({ type: 'rrq', file: 'a', mode: 'octet', options: { BlkSize: '1024' } }));
    expect(r.ok && r.value).toEqual({ type: 'rrq', file: 'a', mode: 'octet', options: { blksize: '1024' } });
  });

  it('refuses to encode what TFTP cannot carry', () => {
    expect(() => encodeTftp({ type: 'ack', block: 65536 })).toThrow(NetbootError);
    expect(() => encodeTftp({ type: 'error', code: 1, message: 'bad\nline' })).toThrow(NetbootError);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        expect(typeof decodeTftp(bytes).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
