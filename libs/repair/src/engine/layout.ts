import { RepairError } from '../errors';

/** Interleaving depth both engines default to (new data goes out in groups of this many blocks). */
export const DEFAULT_INTERLEAVE = 32;
/** Parity budget per block both engines default to: n = k + parity reaches 255 at k = 64. */
export const DEFAULT_MAX_PARITY = 191;

/** How a session's image is cut into FEC blocks (both sides derive the same one from the manifest). */
export interface BlockLayout {
  /** Blocks in the session, numbered 0..totalBlocks-1. */
  readonly totalBlocks: number;
  /** Source symbols of a block (1..255; full blocks have blockSymbols, a chunk's last block fewer). */
  blockK(block: number): number;
}

/**
 * A layout of `totalBytes` cut into blocks of `blockSymbols` symbols of `symbolSize` bytes, the last
 * block shorter. Handy for tests and the simulator; the apps derive theirs from the manifest.
 */
export function uniformLayout(totalBytes: number, symbolSize: number, blockSymbols = 64): BlockLayout {
  if (!(totalBytes > 0) || !(symbolSize > 0) || !(blockSymbols >= 1 && blockSymbols <= 255)) {
    throw new RepairError('REPAIR_BAD_LAYOUT', 'uniform layout needs totalBytes > 0, symbolSize > 0, 1 <= blockSymbols <= 255', {
      totalBytes,
      symbolSize,
      blockSymbols,
    });
  }
  const symbols = Math.ceil(totalBytes / symbolSize);
  const totalBlocks = Math.ceil(symbols / blockSymbols);
  const lastK = symbols - (totalBlocks - 1) * blockSymbols;
  return { totalBlocks, blockK: (b) => (b === totalBlocks - 1 ? lastK : blockSymbols) };
}

/** Throws REPAIR_BAD_LAYOUT unless the layout is usable; checks every block's k once. */
export function checkLayout(layout: BlockLayout): void {
  if (!Number.isInteger(layout.totalBlocks) || layout.totalBlocks < 1) {
    throw new RepairError('REPAIR_BAD_LAYOUT', `totalBlocks must be a positive integer, got ${layout.totalBlocks}`, { totalBlocks: layout.totalBlocks });
  }
  for (let b = 0; b < layout.totalBlocks; b++) {
    const k = layout.blockK(b);
    if (!Number.isInteger(k) || k < 1 || k > 255) {
      throw new RepairError('REPAIR_BAD_LAYOUT', `block ${b} has k=${k}, outside 1..255`, { block: b, k });
    }
  }
}
