/**
 * The one base class of castpoint's typed errors. `code` is a stable string discriminant that
 * callers switch on (and that the apps map to exit codes and HTTP statuses); `data` carries the
 * facts of the case. Each lib declares its codes in a `*_ERROR_CODES` table with a sentence each,
 * and a test checks they are unique and documented.
 */
export class CastpointError<C extends string = string, D = unknown> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly data?: D,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CastpointError';
  }
}

export function isCastpointError(err: unknown, code?: string): err is CastpointError {
  return err instanceof CastpointError && (code === undefined || err.code === code);
}
