import { CastpointError } from '@castpoint/wire';

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

/** Facts of a transport error; every field is optional because not every code has each. */
export interface TransportErrorData {
  readonly address?: string;
  readonly port?: number;
  /** The OS error code (`EADDRINUSE`, `EADDRNOTAVAIL`, ...) when one caused this error. */
  readonly errno?: string;
  readonly option?: string;
  readonly size?: number;
}

export class TransportError extends CastpointError<TransportErrorCode, TransportErrorData> {
  constructor(code: TransportErrorCode, message: string, data: TransportErrorData = {}, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'TransportError';
  }
}

/** The OS errno string of a Node system error, if it has one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/** Wraps any thrown value as a TransportError of `code`, keeping it as the cause. */
export function asTransportError(code: TransportErrorCode, what: string, err: unknown, data: TransportErrorData = {}): TransportError {
  if (err instanceof TransportError) return err;
  const errno = errnoOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new TransportError(code, `${what}: ${detail}`, errno === undefined ? data : { ...data, errno }, { cause: err });
}
