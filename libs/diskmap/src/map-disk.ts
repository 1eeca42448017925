import { isDiskmapError } from './errors';
import { ExtentBuilder, type Extent, normalizeExtents, totalLength } from './extents';
import { isExt, mapExt } from './fs/ext';
import { fatKind, isFat, mapFat } from './fs/fat';
import { isNtfs, mapNtfs } from './fs/ntfs';
import { mapSwap, swapPageSize } from './fs/swap';
import type { FsKind, FsMap } from './fs/types';
import { type Partition, type PartitionTable, hasProtectiveMbr, looksLikeMbr, readGpt, readMbr } from './partitions';
import { DiskWindow, type ReadBudget, type ReadFn, defaultBudget } from './reader';

/** How one region's used blocks were found. */
export type MapMethod = 'allocation-map' | 'header-only' | 'every-block';

export interface RegionMap {
  /** Partition number, or 0 for a filesystem on the whole disk (no partition table). */
  readonly index: number;
  readonly start: number;
  readonly length: number;
  /** MBR type byte or GPT type GUID; '' without a table. */
  readonly type: string;
  readonly filesystem: FsKind | 'unknown';
  readonly method: MapMethod;
  /** Why every block of this region is kept (only with method `every-block`). */
  readonly reason?: string;
  readonly usedBytes: number;
}

export interface DiskMap {
  readonly size: number;
  readonly table: 'gpt' | 'mbr' | 'none';
  readonly regions: RegionMap[];
  /** Used byte extents of the whole disk: sorted, merged, inside `[0, size)`. */
  readonly used: Extent[];
  readonly usedBytes: number;
  /**
   * `filesystem` when at least one region was mapped from its filesystem's own allocation data;
   * `every-block` when nothing was (then `reasons` says why).
   */
  readonly source: 'filesystem' | 'every-block';
  /** Every fallback and table note, in words, for the manifest and the log. */
  readonly reasons: string[];
}

export interface MapDiskOptions {
  /** Stops a crafted disk from making the map read without end; default {@link defaultBudget}. */
  readonly budget?: ReadBudget;
}

async function detect(w: DiskWindow): Promise<{ kind: FsKind | 'unknown'; map: () => Promise<FsMap> }> {
  if (await isNtfs(w)) return { kind: 'ntfs', map: () => mapNtfs(w) };
  const fat = await fatKind(w);
  if (fat !== undefined) return { kind: fat, map: () => mapFat(w) };
  if (await isExt(w)) return { kind: 'ext', map: () => mapExt(w) };
  const ps = await swapPageSize(w);
  if (ps !== undefined) return { kind: 'swap', map: async () => mapSwap(w, ps) };
  return { kind: 'unknown', map: () => Promise.reject(new Error('no known filesystem signature')) };
}

/**
 * Maps one region; any parser failure (a field out of bounds, a bad checksum, an unsupported
 * layout, a read error, the budget) keeps every block of the region and records the reason. The
 * budget is shared: once spent, the remaining regions fall back too.
 */
async function mapRegion(disk: DiskWindow, index: number, start: number, length: number, type: string): Promise<{ region: RegionMap; used: Extent[] }> {
  const everyBlock = (filesystem: FsKind | 'unknown', reason: string): { region: RegionMap; used: Extent[] } => ({
    region: { index, start, length, type, filesystem, method: 'every-block', reason, usedBytes: length },
    used: [{ start, length }],
  });
  let kind: FsKind | 'unknown' = 'unknown';
  try {
    const w = disk.sub(start, length);
    const found = await detect(w);
    kind = found.kind;
    if (found.kind === 'unknown') return everyBlock('unknown', 'no known filesystem signature');
    const fs = await found.map();
    const b = new ExtentBuilder();
    b.addAll(normalizeExtents(fs.used, fs.fsBytes), start);
    // Past the filesystem's end (NTFS's backup boot sector, a partition grown without its filesystem).
    b.add(start + fs.fsBytes, length - fs.fsBytes);
    const used = b.finish();
    return { region: { index, start, length, type, filesystem: fs.kind, method: fs.method, usedBytes: totalLength(used) }, used };
  } catch (err) {
    if (!isDiskmapError(err)) throw err;
    return everyBlock(kind, `${err.code}: ${err.message}`);
  }
}

async function readTable(disk: DiskWindow, reasons: string[]): Promise<PartitionTable | undefined> {
  if (!disk.contains(0, 512)) return undefined;
  const s0 = await disk.read(0, 512);
  if (hasProtectiveMbr(s0)) return readGpt(disk);
  // A FAT or NTFS boot sector also ends in 0x55AA: a filesystem on the whole disk is not a table.
  if (await isNtfs(disk) || await isFat(disk)) return undefined;
  if (looksLikeMbr(s0)) return readMbr(disk, s0);
  reasons.push('no partition table');
  return undefined;
}

/**
 * Which bytes of a disk of `size` bytes hold data worth keeping, read through `read`. Never throws
 * for what is on the disk: a damaged table or filesystem keeps every block of what it covers, and
 * says why. Before the first partition (boot code, the GPT) and the table's own structures count as
 * used; space that no partition covers does not.
 */
export async function mapDisk(read: ReadFn, size: number, options: MapDiskOptions = {}): Promise<DiskMap> {
  const disk = new DiskWindow(read, 0, size, options.budget ?? defaultBudget(size));
  const reasons: string[] = [];
  let table: PartitionTable | undefined;
  try {
    table = await readTable(disk, reasons);
  } catch (err) {
    if (!isDiskmapError(err)) throw err;
    reasons.push(`partition table unusable: ${err.code}: ${err.message}`);
    const region: RegionMap = { index: 0, start: 0, length: size, type: '', filesystem: 'unknown', method: 'every-block', reason: reasons[0], usedBytes: size };
    return { size, table: 'none', regions: [region], used: size > 0 ? [{ start: 0, length: size }] : [], usedBytes: size, source: 'every-block', reasons };
  }
  const regions: RegionMap[] = [];
  const used = new ExtentBuilder();
  const parts: readonly Partition[] = table?.partitions ?? [{ index: 0, start: 0, length: size, type: '' }];
  if (table !== undefined) {
    reasons.push(...table.notes);
    const firstStart = Math.min(size, ...parts.map((p) => p.start));
    used.add(0, firstStart);
    for (const s of table.structures) used.add(s.start, s.length);
  }
  for (const p of parts) {
    const r = await mapRegion(disk, p.index, p.start, p.length, p.type);
    regions.push(r.region);
    for (const e of r.used) used.add(e.start, e.length);
    if (r.region.reason !== undefined) reasons.push(`${p.index === 0 ? 'whole disk' : `partition ${p.index}`}: every block kept: ${r.region.reason}`);
  }
  const all = normalizeExtents(used.finish(), size);
  const mapped = regions.some((r) => r.method !== 'every-block');
  return { size, table: table?.scheme ?? 'none', regions, used: all, usedBytes: totalLength(all), source: mapped ? 'filesystem' : 'every-block', reasons };
}
