// parseRawSmbios against tables laid out byte by byte per DSP0134: the facts Linux shows in
// /sys/class/dmi/id for the same firmware (identity.spec.ts's Dell rows), and each malformed table
// refused with its reason.
import { parseRawSmbios, SmbiosError } from './smbios';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** One structure: type, length and handle, the rest of its formatted area, its strings. */
function structure(type: number, handle: number, rest: Buffer, strings: string[]): Buffer {
  const head = Buffer.from([type, 4 + rest.length, handle & 0xff, handle >> 8]);
  const set = strings.length === 0 ? Buffer.from([0, 0]) : Buffer.from(`${strings.join('\0')}\0\0`, 'latin1');
  return Buffer.concat([head, rest, set]);
}

/** GetSystemFirmwareTable('RSMB') bytes: RawSMBIOSData header, then the table. */
function rsmb(major: number, minor: number, ...table: Buffer[]): Buffer {
  const body = Buffer.concat(table);
  const head = Buffer.alloc(8);
  head.writeUInt8(major, 1);
  head.writeUInt8(minor, 2);
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

const BIOS = structure(0, 0, hex('01 02 00f0 03 3f 8000000000000000'), ['Dell Inc.', '1.2.3', '01/01/2023']);
// Type 1 of an OptiPlex 7090: strings 1 manufacturer, 2 product, 3 version, 4 serial; the UUID as
// stored (first three fields little-endian); wake-up type 6 (power switch); SKU 5, family 6.
const DELL_SYSTEM = hex(`
  01 1b 0100
  01 02 03 04
  44454c4c 4200 1035 8052 b4c04f4e4d32
  06 05 06
  44656c6c20496e632e00 4f707469506c6578203730393000 4e6f7420537065636966696564 00 42355134 4d333200 304135430000`);
const END = structure(127, 0xfeff, Buffer.alloc(0), []);
const system = (uuid: string, strings: string[]): Buffer => structure(1, 1, hex(`01 02 03 04 ${uuid} 06 05 06`), strings);

describe('parseRawSmbios', () => {
  it('has a golden type 1 equal to what the builder makes (the builder is checked by hand bytes)', () => {
    expect(DELL_SYSTEM.equals(system('44454c4c42001035 8052b4c04f4e4d32', ['Dell Inc.', 'OptiPlex 7090', 'Not Specified', 'B5Q4M32', '0A5C']))).toBe(true);
  });

  it.each<[string, Buffer, object]>([
    // /sys/class/dmi/id of the same machine: product_uuid 4c4c4544-0042-3510-8052-b4c04f4e4d32
    ['SMBIOS 3.3: the UUID little-endian, as Linux prints it', rsmb(3, 3, BIOS, DELL_SYSTEM, END), { uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', serial: 'B5Q4M32', vendor: 'Dell Inc.', model: 'OptiPlex 7090' }],
    ['SMBIOS 2.4: the UUID as stored', rsmb(2, 4, DELL_SYSTEM, END), { uuid: '44454c4c-4200-1035-8052-b4c04f4e4d32', serial: 'B5Q4M32', vendor: 'Dell Inc.', model: 'OptiPlex 7090' }],
    [
      'placeholders of unfilled firmware and an unset UUID',
      rsmb(3, 0, system('ff'.repeat(16), ['To Be Filled By O.E.M.', 'System Product Name', '1.0', 'System Serial Number']), END),
      { uuid: null, serial: null, vendor: null, model: null },
    ],
    ['a zero UUID and string numbers past the set', rsmb(2, 8, system('00'.repeat(16), ['QEMU']), END), { uuid: null, serial: null, vendor: 'QEMU', model: null }],
    ['no type 1 at all', rsmb(3, 3, BIOS, END), { uuid: null, serial: null, vendor: null, model: null }],
  ])('%s', (_name, bytes, facts) => {
    expect(parseRawSmbios(bytes)).toEqual(facts);
  });

  it.each<[string, Buffer, RegExp]>([
    ['a header cut short', hex('0003030010'), /5 bytes, shorter than its 8-byte header/],
    ['a length beyond the bytes', Buffer.concat([hex('00030300 ff000000'), END]), /the header says 255 bytes of table, 6 follow/],
    ['a structure longer than the table', rsmb(3, 3, hex('01 40 0100 01')), /structure of type 1 at 0 has length 64/],
    ['strings without their end', rsmb(3, 3, hex('01 08 0100 01020304 446500')), /strings of the structure at 0 are not terminated/],
  ])('refuses %s', (_name, bytes, message) => {
    expect(() => parseRawSmbios(bytes)).toThrow(SmbiosError);
    expect(() => parseRawSmbios(bytes)).toThrow(message);
  });
});
