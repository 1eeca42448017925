/**
 * The one base class of castpoint's typed errors. `code` is a stable string discriminant that
 * callers switch on (and that the apps map to exit codes and HTTP statuses); `data` carries the
 * facts of the case, typed per code by each lib's `*ErrorDataByCode` map. Each lib declares its
 * codes in a `*_ERROR_CODES` table with a sentence each, and a test checks they are unique and
 * documented.
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

/** The OS errno string of a Node system error (`ENOENT`, `EADDRINUSE`, ...), if it has one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/**
 * Wraps any thrown value as a lib's typed error, keeping it as the cause: an error already of
 * `own` class passes through unchanged (so a wrapped error is never wrapped twice); anything else
 * becomes `make("<what>: <its message>", <its errno>)`. Each lib binds this once to its class
 * (asChunkingError, asTransportError) so the rule lives here only.
 */
export function wrapAsCastpointError<E extends CastpointError>(
  own: abstract new (...args: never[]) => E,
  what: string,
  err: unknown,
  make: (message: string, errno: string | undefined) => E,
): E {
  if (err instanceof own) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return make(`${what}: ${detail}`, errnoOf(err));
}

/**
 * The constructor arguments after `message` of an error whose data is `D`: the data may be left
 * out only when none of its fields is required (then it is `{}`).
 */
export type ErrorDataArgs<D> = object extends D ? [data?: D, options?: { cause?: unknown }] : [data: D, options?: { cause?: unknown }];
