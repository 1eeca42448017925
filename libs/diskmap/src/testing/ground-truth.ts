// What the filesystems' own tools say is free or used, to check the map against.
import { execFileSync } from 'node:child_process';
import type { Extent } from '../extents';

/** ext2/3/4: the free block ranges `dumpe2fs` lists per group, as byte extents. */
export function ext4FreeExtents(path: string, blockSize: number): Extent[] {
  const out = execFileSync('dumpe2fs', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const free: Extent[] = [];
  for (const line of out.split('\n')) {
    const m = /^ {2}Free blocks: (.*)$/.exec(line);
    if (m === null || m[1] === undefined || m[1].trim() === '') continue;
    for (const range of m[1].split(',')) {
      const [a, b] = range.trim().split('-').map(Number);
      if (a === undefined) continue;
      free.push({ start: a * blockSize, length: ((b ?? a) - a + 1) * blockSize });
    }
  }
  return free;
}

/** FAT: used clusters as `fsck.fat -n -v` counts them ("N files, USED/TOTAL clusters"). */
export function fatUsedClusters(path: string): { used: number; total: number } {
  const out = execFileSync('fsck.fat', ['-n', '-v', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = / (\d+)\/(\d+) clusters/.exec(out);
  if (m === null) throw new Error(`fsck.fat printed no cluster count:\n${out}`);
  return { used: Number(m[1]), total: Number(m[2]) };
}

/** NTFS: free clusters as `ntfscluster -i` counts them from $Bitmap. */
export function ntfsFreeClusters(path: string): number {
  const out = execFileSync('ntfscluster', ['-f', '-i', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /clusters of free space\s*:\s*(\d+)/.exec(out);
  if (m === null) throw new Error(`ntfscluster printed no free count:\n${out}`);
  return Number(m[1]);
}

/** True when `[start, start + length)` lies wholly inside one of the (sorted, merged) extents. */
export function covered(extents: readonly Extent[], start: number, length: number): boolean {
  return extents.some((e) => start >= e.start && start + length <= e.start + e.length);
}

/** True when no byte of `[start, start + length)` is in the extents. */
export function disjoint(extents: readonly Extent[], start: number, length: number): boolean {
  return extents.every((e) => start + length <= e.start || start >= e.start + e.length);
}

/** Byte offsets (at `align` steps) where `needle`'s first `probe` bytes appear in `hay`. */
export function findAligned(hay: Buffer, needle: Buffer, align: number, probe = 64): number[] {
  const head = needle.subarray(0, probe);
  const out: number[] = [];
  for (let off = hay.indexOf(head); off >= 0; off = hay.indexOf(head, off + 1)) {
    if (off % align === 0) out.push(off);
  }
  return out;
}
