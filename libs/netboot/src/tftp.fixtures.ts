// The fixture table of the TFTP codec: golden bytes (opcode | fields, ASCII spelled in hex with the
// text in the row name) and decoded values; error rows name the code decoding must return.
import type { NetbootErrorCode } from './errors';
import type { TftpPacket } from './tftp-codec';

export interface TftpFixture {
  readonly name: string;
  readonly hex: string;
  readonly packet: TftpPacket;
}

export const TFTP_FIXTURES: readonly TftpFixture[] = [
  {
    name: 'RRQ "undionly.kpxe" octet, blksize 1468, tsize 0',
    hex: '0001 | 756e64696f6e6c792e6b707865 00 | 6f63746574 00 | 626c6b73697a65 00 | 31343638 00 | 7473697a65 00 | 30 00',
    packet: { type: 'rrq', file: 'undionly.kpxe', mode: 'octet', options: { blksize: '1468', tsize: '0' } },
  },
  { name: 'RRQ "ipxe.efi" octet, no options', hex: '0001 | 697078652e656669 00 | 6f63746574 00', packet: { type: 'rrq', file: 'ipxe.efi', mode: 'octet', options: {} } },
  { name: 'WRQ "x" netascii', hex: '0002 | 78 00 | 6e65746173636969 00', packet: { type: 'wrq', file: 'x', mode: 'netascii', options: {} } },
  { name: 'DATA block 1', hex: '0003 | 0001 | deadbeef', packet: { type: 'data', block: 1, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) } },
  { name: 'DATA block 65535, empty', hex: '0003 | ffff', packet: { type: 'data', block: 65535, data: new Uint8Array(0) } },
  { name: 'ACK block 0', hex: '0004 | 0000', packet: { type: 'ack', block: 0 } },
  { name: 'ERROR 1 "no such file"', hex: '0005 | 0001 | 6e6f20737563682066696c65 00', packet: { type: 'error', code: 1, message: 'no such file' } },
  { name: 'OACK blksize 1468 tsize 73', hex: '0006 | 626c6b73697a65 00 | 31343638 00 | 7473697a65 00 | 3733 00', packet: { type: 'oack', options: { blksize: '1468', tsize: '73' } } },
];

export interface TftpErrorFixture {
  readonly name: string;
  readonly hex: string;
  readonly code: NetbootErrorCode;
}

export const TFTP_ERROR_FIXTURES: readonly TftpErrorFixture[] = [
  { name: 'three bytes', hex: '0004 00', code: 'short' },
  { name: 'opcode 9', hex: '0009 0000', code: 'bad-opcode' },
  { name: 'opcode 0', hex: '0000 0000', code: 'bad-opcode' },
  { name: 'RRQ file name without NUL', hex: '0001 | 6162 63', code: 'bad-string' },
  { name: 'RRQ empty file name', hex: '0001 | 00 | 6f63746574 00', code: 'bad-string' },
  { name: 'RRQ without mode', hex: '0001 | 616263 00', code: 'bad-mode' },
  { name: 'RRQ mode "mail"', hex: '0001 | 616263 00 | 6d61696c 00', code: 'bad-mode' },
  { name: 'RRQ option without value', hex: '0001 | 616263 00 | 6f63746574 00 | 626c6b73697a65 00', code: 'bad-string' },
  { name: 'RRQ file name with a control byte', hex: '0001 | 61 0a 63 00 | 6f63746574 00', code: 'bad-string' },
  { name: 'ACK with trailing bytes', hex: '0004 | 0001 | 00', code: 'too-large' },
  { name: 'DATA over 65464 bytes of data', hex: `0003 | 0001 | ${'00'.repeat(65465)}`, code: 'too-large' },
];
