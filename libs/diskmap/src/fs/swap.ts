// Linux swap: one header page ("SWAPSPACE2" in its last 10 bytes); the pages after it hold only
// what a running system swapped out, which a captured image has no use for.
import { DiskWindow, ascii } from '../reader';
import type { FsMap } from './types';

const PAGE_SIZES = [4096, 8192, 16384, 65536];

export async function swapPageSize(w: DiskWindow): Promise<number | undefined> {
  for (const ps of PAGE_SIZES) {
    if (!w.contains(ps - 10, 10)) return undefined;
    const sig = ascii(await w.read(ps - 10, 10), 0, 10);
    if (sig === 'SWAPSPACE2' || sig === 'SWAP-SPACE') return ps;
  }
  return undefined;
}

export function mapSwap(w: DiskWindow, pageSize: number): FsMap {
  return { kind: 'swap', method: 'header-only', used: [{ start: 0, length: pageSize }], fsBytes: w.size };
}
