// Typed errors of the netboot codecs. Decoding never throws: it returns one of these in a result so
// the boot service can drop the datagram and count it by code. Encoding our own values throws them
// (a bad value there is a bug of the caller, not input from the network).
//
// netboot depends on no other castpoint project (it is the codec of other people's protocols), so
// it has its own small base error instead of wire's CastpointError; the shape is the same (a string
// `code`, typed `data`), so the apps' error handling treats both alike.

/** Every code the netboot codecs can produce, with the one sentence that documents it. */
export const NETBOOT_ERROR_CODES = {
  short: 'The datagram is shorter than the fixed part of its protocol (236 + 4 bytes for DHCP, 4 for TFTP).',
  'too-large': 'The datagram or the value being encoded is larger than the codec accepts.',
  'bad-op': 'The BOOTP op byte is neither 1 (request) nor 2 (reply).',
  'bad-hlen': 'The hardware address length is over 16 bytes.',
  'bad-cookie': 'The four bytes after the BOOTP header are not the DHCP magic cookie 63 82 53 63.',
  'bad-option': 'A DHCP option runs past the end of the datagram, or the options end without the End option.',
  'bad-opcode': 'The TFTP opcode is not one of 1..6.',
  'bad-string': 'A TFTP string (file name, mode, option) is empty, unterminated or not printable ASCII.',
  'bad-mode': 'The TFTP transfer mode is not "octet" or "netascii".',
  'bad-field': 'A field is out of its range (a TFTP option value, a block number, an address, an option over 255 bytes).',
} as const;

export type NetbootErrorCode = keyof typeof NETBOOT_ERROR_CODES;

/** Facts of the case; which keys are present depends on the code. */
export interface NetbootErrorData {
  /** The field at fault, e.g. `option 93`, `blksize`. */
  readonly field?: string;
  /** The value found (numbers and short strings only: never echo a whole datagram). */
  readonly value?: number | string;
  /** The limit or the expected value. */
  readonly expected?: number | string;
}

export class NetbootError<C extends NetbootErrorCode = NetbootErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly data: NetbootErrorData = {},
  ) {
    super(message);
    this.name = 'NetbootError';
  }
}

export function isNetbootError(err: unknown, code?: NetbootErrorCode): err is NetbootError {
  return err instanceof NetbootError && (code === undefined || err.code === code);
}

/** What every decoder returns: the value, or the typed reason the datagram was dropped. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NetbootError };

export function fail(code: NetbootErrorCode, message: string, data: NetbootErrorData = {}): { ok: false; error: NetbootError } {
  return { ok: false, error: new NetbootError(code, message, data) };
}
