import { CastpointError } from '@castpoint/wire';

/** Every error code libs/repair throws, with one sentence each (a test checks they are documented). */
export const REPAIR_ERROR_CODES = {
  REPAIR_BAD_CODE_PARAMS: 'The source count k or the parity count is outside what Reed-Solomon over GF(2^8) allows (1 <= k, k + parity <= 255).',
  REPAIR_BAD_SYMBOL: 'A symbol has the wrong length, or a symbol index is outside 0..254 or repeated.',
  REPAIR_NOT_ENOUGH_SYMBOLS: 'Fewer than k distinct symbols were given to rebuild a block.',
  REPAIR_BAD_LAYOUT: 'The block layout is invalid (no blocks, a block with k outside 1..255, or a bad symbol size).',
  REPAIR_BAD_OPTIONS: 'An engine or simulator option is out of range (rates, timeouts, slow policy, parity budget).',
  REPAIR_BAD_BLOCK: 'A block number is outside the layout of the session.',
} as const;

export type RepairErrorCode = keyof typeof REPAIR_ERROR_CODES;

/**
 * The facts each code carries (`err.data`). Narrow with {@link isRepairError} to read them typed.
 * A new code needs a row here, or `REPAIR_ERROR_CODES` and this map disagree and tsc fails.
 */
export interface RepairErrorDataByCode {
  /** The parameters at fault (`col`: a column found singular while inverting a decoding matrix; rs/cauchy-inverse.ts's closed form reports a repeated symbol index with no data). */
  REPAIR_BAD_CODE_PARAMS: { readonly k?: number; readonly parity?: number; readonly symbolSize?: number; readonly col?: number };
  /** `symbol`: its index; `length`: its length in bytes (-1: not bytes at all). */
  REPAIR_BAD_SYMBOL: { readonly symbol: number; readonly k?: number; readonly length?: number; readonly symbolSize?: number };
  /** `have`: the distinct symbols given, fewer than `k`. */
  REPAIR_NOT_ENOUGH_SYMBOLS: { readonly k: number; readonly have: number };
  REPAIR_BAD_LAYOUT: {
    readonly totalBytes?: number;
    readonly symbolSize?: number;
    readonly blockSymbols?: number;
    readonly totalBlocks?: number;
    readonly block?: number;
    readonly k?: number;
  };
  /** The option values at fault, by option name (options are many and engine-specific). */
  REPAIR_BAD_OPTIONS: Readonly<Record<string, unknown>>;
  REPAIR_BAD_BLOCK: { readonly block: number };
}

// Compile-time check that the documented codes and the data map list the same codes.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const _codesHaveData: SameKeys<typeof REPAIR_ERROR_CODES, RepairErrorDataByCode> = true;

/** Facts of a repair error of code `C`. */
export type RepairErrorData<C extends RepairErrorCode = RepairErrorCode> = RepairErrorDataByCode[C];

/** The typed error of libs/repair: `code` says what went wrong, `data` the facts. */
export class RepairError<C extends RepairErrorCode = RepairErrorCode> extends CastpointError<C, RepairErrorData<C>> {
  declare readonly data: RepairErrorData<C>;
  constructor(code: C, message: string, data: RepairErrorData<C>) {
    super(code, message, data);
    this.name = 'RepairError';
  }
}

/** True for a RepairError of `code`, with `data` typed for that code. */
export function isRepairError<C extends RepairErrorCode>(err: unknown, code: C): err is RepairError<C> {
  return err instanceof RepairError && err.code === code;
}
