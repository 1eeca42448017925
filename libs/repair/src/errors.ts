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

/** The typed error of libs/repair: `code` says what went wrong, `data` the facts. */
export class RepairError<D = Record<string, unknown>> extends CastpointError<RepairErrorCode, D> {
  constructor(code: RepairErrorCode, message: string, data?: D) {
    super(code, message, data);
    this.name = 'RepairError';
  }
}
