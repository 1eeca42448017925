import { constants } from 'node:os';
import { CastpointError, wrapAsCastpointError, type ErrorDataArgs } from '@castpoint/wire';

/**
 * Every error code of @castpoint/transport with one sentence each. Callers switch on `code`;
 * `data` carries the address, port or OS errno involved.
 */
export const TRANSPORT_ERROR_CODES = {
  TRANSPORT_BAD_OPTION: 'An option or argument is invalid (not IPv4, out of range, missing multicast interface).',
  TRANSPORT_BIND_FAILED: 'The socket could not be bound to the requested address and port.',
  TRANSPORT_MEMBERSHIP_FAILED: 'Joining or leaving a multicast group on the given interface failed.',
  TRANSPORT_SEND_FAILED: 'The operating system (or the in-memory network) refused to send a datagram.',
  TRANSPORT_DATAGRAM_TOO_LARGE: 'A datagram is larger than the 65507-byte IPv4 UDP payload limit.',
  TRANSPORT_CLOSED: 'The endpoint is closed (or closing) and cannot send, join or leave any more.',
  TRANSPORT_SOCKET_ERROR: 'The socket reported an asynchronous error after it was opened.',
} as const;

export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

/** The OS error code (`EADDRINUSE`, `EADDRNOTAVAIL`, ...) when one caused the error. */
interface OsFacts {
  readonly errno?: string;
}

/**
 * The facts each code carries (`err.data`). Narrow with {@link isTransportError} to read them typed.
 * A new code needs a row here, or `TRANSPORT_ERROR_CODES` and this map disagree and tsc fails.
 */
export interface TransportErrorDataByCode {
  /** `option`: the option or argument at fault (`multicast.interface`, `to.port`, `rateBps`). */
  TRANSPORT_BAD_OPTION: OsFacts & { readonly option: string; readonly address?: string };
  TRANSPORT_BIND_FAILED: OsFacts & { readonly address: string; readonly port: number };
  /** `address`: the multicast group. */
  TRANSPORT_MEMBERSHIP_FAILED: OsFacts & { readonly address: string };
  TRANSPORT_SEND_FAILED: OsFacts & { readonly address: string; readonly port: number };
  /** `size`: the datagram's length in bytes. */
  TRANSPORT_DATAGRAM_TOO_LARGE: { readonly size: number };
  /** The destination of a send refused because the endpoint is closed. */
  TRANSPORT_CLOSED: { readonly address?: string; readonly port?: number };
  TRANSPORT_SOCKET_ERROR: OsFacts;
}

// Compile-time check that the documented codes and the data map list the same codes.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const _codesHaveData: SameKeys<typeof TRANSPORT_ERROR_CODES, TransportErrorDataByCode> = true;

/** Facts of a transport error of code `C`. */
export type TransportErrorData<C extends TransportErrorCode = TransportErrorCode> = TransportErrorDataByCode[C];

export class TransportError<C extends TransportErrorCode = TransportErrorCode> extends CastpointError<C, TransportErrorData<C>> {
  declare readonly data: TransportErrorData<C>;
  constructor(code: C, message: string, ...[data, options]: ErrorDataArgs<TransportErrorData<C>>) {
    // ErrorDataArgs lets `data` be left out only when every field of it is optional: {} is valid then.
    super(code, message, data ?? ({} as TransportErrorData<C>), options);
    this.name = 'TransportError';
  }
}

/** True for a TransportError of `code`, with `data` typed for that code. */
export function isTransportError<C extends TransportErrorCode>(err: unknown, code: C): err is TransportError<C> {
  return err instanceof TransportError && err.code === code;
}

/** Wraps any thrown value as a TransportError of `code`, keeping it as the cause and its errno in the data. */
export function asTransportError<C extends TransportErrorCode>(code: C, what: string, err: unknown, data: TransportErrorData<C>): TransportError {
  // The cast only restates the constructor's own argument list: tsc cannot resolve ErrorDataArgs for
  // a generic code, and `data` (plus errno, which every wrapped code allows) is that code's data.
  return wrapAsCastpointError(TransportError, what, err, (message, errno) =>
    new TransportError<C>(code, message, ...([errno === undefined ? data : { ...data, errno }, { cause: err }] as ErrorDataArgs<TransportErrorData<C>>)),
  );
}

/** errno -> its name, from Node's own table ('EAGAIN' for 11 on Linux); `E<n>` for one it lacks. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return name;
  return `E${errno}`;
}
