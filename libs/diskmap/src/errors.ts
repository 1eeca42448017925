import { CastpointError, type ErrorDataArgs } from '@castpoint/wire';

/**
 * Every error code of @castpoint/diskmap with one sentence each. A parser that meets one of these
 * inside a partition does not fail the map: the partition falls back to "every block" and the
 * error's message becomes the recorded reason.
 */
export const DISKMAP_ERROR_CODES = {
  DISKMAP_OUT_OF_BOUNDS: 'A field points outside the disk, the partition or the structure that holds it.',
  DISKMAP_CORRUPT: 'An on-disk structure fails a check (signature, checksum, range or consistency of its fields).',
  DISKMAP_UNSUPPORTED: 'The structure is valid but uses a layout this parser does not map (for example ext4 meta_bg or bigalloc).',
  DISKMAP_READ_BUDGET: 'Parsing needed more reads than the budget allows for this disk, so it was stopped.',
  DISKMAP_READ_FAILED: 'The injected read function failed or returned fewer bytes than asked.',
} as const;

export type DiskmapErrorCode = keyof typeof DISKMAP_ERROR_CODES;

export interface DiskmapErrorDataByCode {
  /** Byte offset and length asked for, and the limit (`end`) of the window they fell outside. */
  DISKMAP_OUT_OF_BOUNDS: { readonly offset: number; readonly length: number; readonly end: number };
  /** `field`: which structure or field failed its check. */
  DISKMAP_CORRUPT: { readonly field: string };
  DISKMAP_UNSUPPORTED: { readonly feature: string };
  /** Bytes already read and the budget. */
  DISKMAP_READ_BUDGET: { readonly spent: number; readonly budget: number };
  DISKMAP_READ_FAILED: { readonly offset: number; readonly length: number };
}

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const _codesHaveData: SameKeys<typeof DISKMAP_ERROR_CODES, DiskmapErrorDataByCode> = true;

export type DiskmapErrorData<C extends DiskmapErrorCode = DiskmapErrorCode> = DiskmapErrorDataByCode[C];

export class DiskmapError<C extends DiskmapErrorCode = DiskmapErrorCode> extends CastpointError<C, DiskmapErrorData<C>> {
  declare readonly data: DiskmapErrorData<C>;
  constructor(code: C, message: string, ...[data, options]: ErrorDataArgs<DiskmapErrorData<C>>) {
    super(code, message, data ?? ({} as DiskmapErrorData<C>), options);
    this.name = 'DiskmapError';
  }
}

export function isDiskmapError<C extends DiskmapErrorCode>(err: unknown, code?: C): err is DiskmapError<C> {
  return err instanceof DiskmapError && (code === undefined || err.code === code);
}

/** Shorthand for the most common refusal: a field that fails its check. */
export function corrupt(field: string, why: string): DiskmapError<'DISKMAP_CORRUPT'> {
  return new DiskmapError('DISKMAP_CORRUPT', `${field}: ${why}`, { field });
}
