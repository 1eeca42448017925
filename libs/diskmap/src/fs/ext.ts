// ext2/3/4: the superblock, the group descriptors (32 or 64 bytes), one block bitmap per group.
// Offsets from the kernel's struct ext4_super_block / ext4_group_desc (fs/ext4/ext4.h).
import { DiskmapError, corrupt } from '../errors';
import { ExtentBuilder, forEachSetRun as forEachRun } from '../extents';
import { DiskWindow, ascii, le } from '../reader';
import type { FsMap } from './types';

const SUPERBLOCK_OFFSET = 1024;
const EXT_MAGIC = 0xef53;
const INCOMPAT_META_BG = 0x10;
const INCOMPAT_64BIT = 0x80;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_BIGALLOC = 0x200;
const COMPAT_SPARSE_SUPER2 = 0x200;
const BG_BLOCK_UNINIT = 0x2;

export async function isExt(w: DiskWindow): Promise<boolean> {
  if (!w.contains(SUPERBLOCK_OFFSET, 1024)) return false;
  const sb = await w.read(SUPERBLOCK_OFFSET, 1024);
  return le(sb).u16(0x38) === EXT_MAGIC;
}

interface Super {
  blockSize: number;
  blocks: number;
  firstDataBlock: number;
  blocksPerGroup: number;
  groups: number;
  descSize: number;
  inodeTableBlocks: number;
  reservedGdt: number;
  sparseSuper: boolean;
  backupGroups: readonly number[] | undefined;
}

function readSuper(sb: Uint8Array, partBytes: number): Super {
  const f = le(sb);
  const logBlock = f.u32(0x18);
  if (logBlock > 6) throw corrupt('ext s_log_block_size', `${logBlock} is above 6 (64 KiB blocks)`);
  const blockSize = 1024 << logBlock;
  const incompat = f.u32(0x60);
  const roCompat = f.u32(0x64);
  const compat = f.u32(0x5c);
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  const blocks = f.u32(0x04) + (is64 ? f.u32(0x150) * 2 ** 32 : 0);
  if (blocks === 0 || blocks * blockSize > partBytes) {
    throw corrupt('ext s_blocks_count', `${blocks} blocks of ${blockSize} bytes do not fit the ${partBytes}-byte partition`);
  }
  const firstDataBlock = f.u32(0x14);
  if (firstDataBlock !== (blockSize === 1024 ? 1 : 0)) throw corrupt('ext s_first_data_block', `${firstDataBlock} for ${blockSize}-byte blocks`);
  const blocksPerGroup = f.u32(0x20);
  if (blocksPerGroup < 8 || blocksPerGroup > blockSize * 8 || blocksPerGroup % 8 !== 0) {
    throw corrupt('ext s_blocks_per_group', `${blocksPerGroup} is not a multiple of 8 up to ${blockSize * 8}`);
  }
  if ((incompat & INCOMPAT_META_BG) !== 0) {
    throw new DiskmapError('DISKMAP_UNSUPPORTED', 'ext meta_bg layout (group descriptors spread over the disk) is not mapped', { feature: 'meta_bg' });
  }
  if ((roCompat & RO_COMPAT_BIGALLOC) !== 0) {
    throw new DiskmapError('DISKMAP_UNSUPPORTED', 'ext bigalloc (cluster bitmaps) is not mapped', { feature: 'bigalloc' });
  }
  const descSize = is64 ? f.u16(0xfe) : 32;
  if (descSize < 32 || descSize > 1024 || (descSize & (descSize - 1)) !== 0 || (is64 && descSize < 64)) {
    throw corrupt('ext s_desc_size', `${descSize} is not a power of two from ${is64 ? 64 : 32} to 1024`);
  }
  const groups = Math.ceil((blocks - firstDataBlock) / blocksPerGroup);
  const inodesPerGroup = f.u32(0x28);
  const revLevel = f.u32(0x4c);
  const inodeSize = revLevel >= 1 ? f.u16(0x58) : 128;
  if (inodeSize < 128 || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) !== 0) throw corrupt('ext s_inode_size', `${inodeSize}`);
  if (inodesPerGroup === 0 || inodesPerGroup > blockSize * 8) throw corrupt('ext s_inodes_per_group', `${inodesPerGroup}`);
  const sparseSuper2 = (compat & COMPAT_SPARSE_SUPER2) !== 0;
  return {
    blockSize,
    blocks,
    firstDataBlock,
    blocksPerGroup,
    groups,
    descSize,
    inodeTableBlocks: Math.ceil((inodesPerGroup * inodeSize) / blockSize),
    reservedGdt: f.u16(0xce),
    sparseSuper: (roCompat & RO_COMPAT_SPARSE_SUPER) !== 0,
    backupGroups: sparseSuper2 ? [f.u32(0x24c), f.u32(0x250)] : undefined,
  };
}

function isPowerOf(n: number, base: number): boolean {
  let x = base;
  while (x < n) x *= base;
  return x === n;
}

/** Whether group `g` holds a superblock and group-descriptor copy (the kernel's ext4_bg_has_super). */
function hasSuper(s: Super, g: number): boolean {
  if (g === 0) return true;
  if (s.backupGroups !== undefined) return s.backupGroups.includes(g);
  if (!s.sparseSuper) return true;
  return g === 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}

/**
 * Used blocks: every group's own metadata (superblock copy, descriptors, reserved descriptor blocks,
 * bitmaps, inode table, wherever flex_bg placed them) plus the set bits of each initialised block
 * bitmap. A BLOCK_UNINIT group has no bitmap on disk: its only used blocks are metadata, which the
 * first part already covers (as the kernel's ext4_init_block_bitmap computes it).
 */
export async function mapExt(w: DiskWindow): Promise<FsMap> {
  const sbBytes = await w.read(SUPERBLOCK_OFFSET, 1024);
  if (le(sbBytes).u16(0x38) !== EXT_MAGIC) throw corrupt('ext superblock', `no magic (label ${JSON.stringify(ascii(sbBytes, 0x78, 16))})`);
  const s = readSuper(sbBytes, w.size);
  const bs = s.blockSize;
  const fsBytes = s.blocks * bs;
  const gdtBlocks = Math.ceil((s.groups * s.descSize) / bs);
  const gdtOffset = (s.firstDataBlock + 1) * bs;
  if (gdtOffset + gdtBlocks * bs > fsBytes) throw corrupt('ext group descriptors', `${s.groups} groups need ${gdtBlocks} blocks past the filesystem end`);
  const used = new ExtentBuilder();
  // Boot block and superblock, whatever the block size.
  used.add(0, Math.max(2048, (s.firstDataBlock + 1) * bs));
  const groupStart = (g: number): number => s.firstDataBlock + g * s.blocksPerGroup;
  const addBlocks = (first: number, count: number, what: string): void => {
    if (first + count > s.blocks) throw corrupt(what, `blocks ${first}+${count} lie past the ${s.blocks}-block filesystem`);
    used.add(first * bs, count * bs);
  };

  const bitmaps: number[] = [];
  const flags: number[] = [];
  const step = Math.max(1, Math.floor((4 * 1024 * 1024) / s.descSize));
  for (let g0 = 0; g0 < s.groups; g0 += step) {
    const n = Math.min(step, s.groups - g0);
    const table = await w.read(gdtOffset + g0 * s.descSize, n * s.descSize);
    const f = le(table);
    for (let i = 0; i < n; i++) {
      const o = i * s.descSize;
      const hi = (off: number): number => (s.descSize >= 64 ? f.u32(o + off) * 2 ** 32 : 0);
      const blockBitmap = f.u32(o) + hi(0x20);
      const inodeBitmap = f.u32(o + 4) + hi(0x24);
      const inodeTable = f.u32(o + 8) + hi(0x28);
      const g = g0 + i;
      addBlocks(blockBitmap, 1, `ext group ${g} block bitmap`);
      addBlocks(inodeBitmap, 1, `ext group ${g} inode bitmap`);
      addBlocks(inodeTable, s.inodeTableBlocks, `ext group ${g} inode table`);
      bitmaps.push(blockBitmap);
      flags.push(f.u16(o + 0x12));
    }
  }
  for (let g = 0; g < s.groups; g++) {
    if (hasSuper(s, g)) addBlocks(groupStart(g), Math.min(1 + gdtBlocks + s.reservedGdt, s.blocks - groupStart(g)), `ext group ${g} superblock copy`);
  }
  for (let g = 0; g < s.groups; g++) {
    if (((flags[g] ?? 0) & BG_BLOCK_UNINIT) !== 0) continue;
    const bits = await w.read((bitmaps[g] ?? 0) * bs, bs);
    const inGroup = Math.min(s.blocksPerGroup, s.blocks - groupStart(g));
    forEachRun(bits, inGroup, groupStart(g), (first, count) => used.add(first * bs, count * bs));
  }
  return { kind: 'ext', method: 'allocation-map', used: used.finish(), fsBytes };
}

