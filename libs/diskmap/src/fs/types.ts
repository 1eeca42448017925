import type { Extent } from '../extents';

export type FsKind = 'ext' | 'fat12' | 'fat16' | 'fat32' | 'ntfs' | 'swap';

/** What a filesystem parser found, in bytes relative to the start of its partition. */
export interface FsMap {
  readonly kind: FsKind;
  /** `allocation-map`: the filesystem's own bitmap or FAT; `header-only`: swap, whose pages hold nothing to keep. */
  readonly method: 'allocation-map' | 'header-only';
  /** Used extents inside the filesystem, sorted and merged. */
  readonly used: Extent[];
  /** Bytes the filesystem spans; anything of its partition past that is kept as used. */
  readonly fsBytes: number;
}
