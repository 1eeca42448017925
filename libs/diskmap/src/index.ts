// Public API of @castpoint/diskmap: which bytes of a disk hold data, read from its partition table
// and each filesystem's own allocation map. Pure: all I/O goes through the injected read function.
export * from './errors';
export { type Extent, ExtentBuilder, forEachSetRun, normalizeExtents, totalLength } from './extents';
export { type ReadFn, DiskWindow, MAX_READ, ReadBudget, defaultBudget } from './reader';
export { type Partition, type PartitionTable } from './partitions';
export type { FsKind } from './fs/types';
export { type DiskMap, type MapDiskOptions, type MapMethod, type RegionMap, mapDisk } from './map-disk';
