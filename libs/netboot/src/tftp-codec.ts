// TFTP codec (RFC 1350, options RFC 2347). decodeTftp never throws; encodeTftp throws a
// NetbootError for a value the protocol cannot carry.
import { fail, NetbootError, type Decoded } from './errors';

export const TFTP_PORT = 69;
/** RFC 1350's block size, used when the client asks for no other. */
export const TFTP_DEFAULT_BLKSIZE = 512;
/** RFC 2348's largest block. */
export const TFTP_MAX_BLKSIZE = 65464;
const MAX_TFTP_SIZE = 4 + TFTP_MAX_BLKSIZE;
/** A request, ACK or error is small; a longer one is not a request castpoint serves. */
const MAX_STRING = 512;

export const TftpErrorCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

export type TftpMode = 'octet' | 'netascii';

export type TftpPacket =
  | { readonly type: 'rrq' | 'wrq'; readonly file: string; readonly mode: TftpMode; readonly options: Readonly<Record<string, string>> }
  | { readonly type: 'data'; readonly block: number; readonly data: Uint8Array }
  | { readonly type: 'ack'; readonly block: number }
  | { readonly type: 'error'; readonly code: number; readonly message: string }
  | { readonly type: 'oack'; readonly options: Readonly<Record<string, string>> };

const OPCODES = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

export function decodeTftp(bytes: Uint8Array): Decoded<TftpPacket> {
  if (bytes.length > MAX_TFTP_SIZE) return fail('too-large', `TFTP datagram of ${bytes.length} bytes`, { value: bytes.length, expected: MAX_TFTP_SIZE });
  if (bytes.length < 4) return fail('short', `TFTP datagram of ${bytes.length} bytes`, { value: bytes.length, expected: 4 });
  const op = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  const u16 = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  switch (op) {
    case OPCODES.rrq:
    case OPCODES.wrq:
      return decodeRequest(op === OPCODES.rrq ? 'rrq' : 'wrq', bytes);
    case OPCODES.data:
      return { ok: true, value: { type: 'data', block: u16, data: bytes.slice(4) } };
    case OPCODES.ack:
      if (bytes.length !== 4) return fail('too-large', `TFTP ACK of ${bytes.length} bytes`, { field: 'ack', value: bytes.length, expected: 4 });
      return { ok: true, value: { type: 'ack', block: u16 } };
    case OPCODES.error: {
      const strings = readStrings(bytes, 4, 1);
      if (!strings.ok) return strings;
      return { ok: true, value: { type: 'error', code: u16, message: strings.value[0] ?? '' } };
    }
    case OPCODES.oack: {
      const strings = readStrings(bytes, 2, 2);
      if (!strings.ok) return strings;
      const options = optionsOf(strings.value);
      return options.ok ? { ok: true, value: { type: 'oack', options: options.value } } : options;
    }
    default:
      return fail('bad-opcode', `TFTP opcode ${op}`, { field: 'opcode', value: op, expected: '1..6' });
  }
}

function decodeRequest(type: 'rrq' | 'wrq', bytes: Uint8Array): Decoded<TftpPacket> {
  const strings = readStrings(bytes, 2, 1);
  if (!strings.ok) return strings;
  const [file, modeText, ...rest] = strings.value;
  if (!file) return fail('bad-string', 'TFTP request without a file name', { field: 'file' });
  const mode = modeText?.toLowerCase();
  if (mode !== 'octet' && mode !== 'netascii') return fail('bad-mode', `TFTP mode "${(modeText ?? '').slice(0, 20)}"`, { field: 'mode', value: (modeText ?? '').slice(0, 20), expected: 'octet' });
  const options = optionsOf(rest);
  return options.ok ? { ok: true, value: { type, file, mode, options: options.value } } : options;
}

/** NUL-terminated printable-ASCII strings from `at` to the end; at least `min` of them. */
function readStrings(bytes: Uint8Array, at: number, min: number): Decoded<string[]> {
  const out: string[] = [];
  let start = at;
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0) {
      out.push(String.fromCharCode(...bytes.subarray(start, i)));
      start = i + 1;
    } else if (b < 0x20 || b > 0x7e || i - start >= MAX_STRING) {
      return fail('bad-string', `TFTP string with byte 0x${b.toString(16)} at ${i} (or over ${MAX_STRING} bytes)`, { field: 'string', value: i });
    }
  }
  if (start !== bytes.length) return fail('bad-string', 'TFTP string without its terminating NUL', { field: 'string', value: start });
  if (out.length < min) return fail('bad-string', `TFTP packet with ${out.length} strings`, { field: 'string', value: out.length, expected: min });
  return { ok: true, value: out };
}

function optionsOf(list: readonly string[]): Decoded<Record<string, string>> {
  if (list.length % 2 !== 0) return fail('bad-string', 'TFTP option without a value', { field: 'options', value: list.length });
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = (list[i] ?? '').toLowerCase();
    if (name === '') return fail('bad-string', 'TFTP option with an empty name', { field: 'options' });
    // Option names are case-insensitive (RFC 2347); the first of a repeated one counts.
    if (!(name in out)) out[name] = list[i + 1] ?? '';
  }
  return { ok: true, value: out };
}

export function encodeTftp(p: TftpPacket): Uint8Array {
  const parts: number[] = [0, OPCODES[p.type]];
  const str = (s: string, field: string): void => {
    if (!/^[\x20-\x7e]*$/.test(s) || s.length > MAX_STRING) throw new NetbootError('bad-string', `${field} must be printable ASCII up to ${MAX_STRING} bytes`, { field, value: s.slice(0, 40) });
    for (let i = 0; i < s.length; i++) parts.push(s.charCodeAt(i));
    parts.push(0);
  };
  const u16 = (n: number, field: string): void => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new NetbootError('bad-field', `${field} ${n} is not a u16`, { field, value: n });
    parts.push(n >> 8, n & 0xff);
  };
  switch (p.type) {
    case 'rrq':
    case 'wrq':
      str(p.file, 'file');
      str(p.mode, 'mode');
      for (const [k, v] of Object.entries(p.options)) {
        str(k, 'option');
        str(v, `option ${k}`);
      }
      return Uint8Array.from(parts);
    case 'data': {
      u16(p.block, 'block');
      if (p.data.length > TFTP_MAX_BLKSIZE) throw new NetbootError('too-large', `DATA of ${p.data.length} bytes`, { field: 'data', value: p.data.length, expected: TFTP_MAX_BLKSIZE });
      const out = new Uint8Array(4 + p.data.length);
      out.set(parts);
      out.set(p.data, 4);
      return out;
    }
    case 'ack':
      u16(p.block, 'block');
      return Uint8Array.from(parts);
    case 'error':
      u16(p.code, 'code');
      str(p.message, 'message');
      return Uint8Array.from(parts);
    case 'oack':
      for (const [k, v] of Object.entries(p.options)) {
        str(k, 'option');
        str(v, `option ${k}`);
      }
      return Uint8Array.from(parts);
  }
}
