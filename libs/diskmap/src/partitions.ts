// Partition tables: MBR (with the extended partition's chain of EBRs) and GPT (header and entry
// array CRC32s checked, the backup copy at the disk's end used when the primary is damaged).
import { crc32 } from 'node:zlib';
import { DiskmapError, corrupt, isDiskmapError } from './errors';
import type { Extent } from './extents';
import { DiskWindow, ascii, le } from './reader';

export interface Partition {
  /** 1-based as Linux numbers them (MBR logical partitions from 5). */
  readonly index: number;
  readonly start: number;
  readonly length: number;
  /** MBR type byte (`0x83`) or GPT type GUID. */
  readonly type: string;
}

export interface PartitionTable {
  readonly scheme: 'mbr' | 'gpt';
  readonly partitions: Partition[];
  /** The table's own structures outside any partition (EBRs, the backup GPT). */
  readonly structures: Extent[];
  /** Things worth saying about the table (a damaged primary GPT). */
  readonly notes: string[];
}

const SECTOR = 512;
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);
const MAX_LOGICAL = 128;
const MAX_GPT_ENTRIES_BYTES = 1024 * 1024;

function guid(b: Uint8Array, o: number): string {
  const hex = (i: number): string => (b[o + i] ?? 0).toString(16).padStart(2, '0');
  const part = (idx: number[]): string => idx.map(hex).join('');
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`.toUpperCase();
}

interface MbrEntry {
  status: number;
  type: number;
  lba: number;
  sectors: number;
}

function mbrEntries(s0: Uint8Array): MbrEntry[] {
  const f = le(s0);
  const out: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const o = 446 + i * 16;
    out.push({ status: f.u8(o), type: f.u8(o + 4), lba: f.u32(o + 8), sectors: f.u32(o + 12) });
  }
  return out;
}

/** True when sector 0 carries 0x55AA and four entries whose status bytes are 0x00 or 0x80. */
export function looksLikeMbr(s0: Uint8Array): boolean {
  if (le(s0).u16(510) !== 0xaa55) return false;
  const entries = mbrEntries(s0);
  return entries.every((e) => e.status === 0 || e.status === 0x80) && entries.some((e) => e.type !== 0 && e.sectors > 0);
}

export function hasProtectiveMbr(s0: Uint8Array): boolean {
  return le(s0).u16(510) === 0xaa55 && mbrEntries(s0).some((e) => e.type === 0xee);
}

function checkedPartition(disk: DiskWindow, index: number, startLba: number, sectors: number, type: string, notes: string[]): Partition | undefined {
  if (sectors === 0) return undefined;
  const start = startLba * SECTOR;
  let length = sectors * SECTOR;
  if (start >= disk.size) {
    notes.push(`partition ${index} starts at byte ${start}, past the ${disk.size}-byte disk: ignored`);
    return undefined;
  }
  if (start + length > disk.size) {
    notes.push(`partition ${index} runs past the disk end: cut to the disk`);
    length = disk.size - start;
  }
  return { index, start, length, type };
}

export async function readMbr(disk: DiskWindow, s0: Uint8Array): Promise<PartitionTable> {
  const notes: string[] = [];
  const partitions: Partition[] = [];
  const structures: Extent[] = [];
  let extended: MbrEntry | undefined;
  mbrEntries(s0).forEach((e, i) => {
    if (e.type === 0) return;
    if (EXTENDED_TYPES.has(e.type)) {
      extended = extended ?? e;
      return;
    }
    const p = checkedPartition(disk, i + 1, e.lba, e.sectors, `0x${e.type.toString(16).padStart(2, '0')}`, notes);
    if (p !== undefined) partitions.push(p);
  });
  if (extended !== undefined) {
    const extStart = extended.lba;
    let ebr = extStart;
    const seen = new Set<number>();
    for (let n = 0; n < MAX_LOGICAL; n++) {
      if (seen.has(ebr)) {
        notes.push(`extended partition: the EBR chain loops back to sector ${ebr}: stopped`);
        break;
      }
      seen.add(ebr);
      if (!disk.contains(ebr * SECTOR, SECTOR)) {
        notes.push(`extended partition: EBR at sector ${ebr} lies past the disk: stopped`);
        break;
      }
      const sector = await disk.read(ebr * SECTOR, SECTOR);
      if (le(sector).u16(510) !== 0xaa55) {
        notes.push(`extended partition: EBR at sector ${ebr} has no 0x55AA signature: stopped`);
        break;
      }
      structures.push({ start: ebr * SECTOR, length: SECTOR });
      const [logical, next] = mbrEntries(sector);
      if (logical !== undefined && logical.type !== 0) {
        const p = checkedPartition(disk, 5 + n, ebr + logical.lba, logical.sectors, `0x${logical.type.toString(16).padStart(2, '0')}`, notes);
        if (p !== undefined) partitions.push(p);
      }
      if (next === undefined || next.type === 0 || next.lba === 0) break;
      ebr = extStart + next.lba;
    }
  }
  return { scheme: 'mbr', partitions, structures, notes };
}

interface GptHeader {
  entriesLba: number;
  entries: number;
  entrySize: number;
  firstUsable: number;
  lastUsable: number;
  backupLba: number;
}

async function readGptHeader(disk: DiskWindow, lba: number, sectorSize: number): Promise<GptHeader> {
  if (!disk.contains(lba * sectorSize, sectorSize)) throw corrupt('GPT header', `LBA ${lba} is outside the disk`);
  const h = new Uint8Array(await disk.read(lba * sectorSize, sectorSize));
  if (ascii(h, 0, 8) !== 'EFI PART') throw corrupt('GPT header', `no "EFI PART" signature at LBA ${lba}`);
  const f = le(h);
  const headerSize = f.u32(12);
  if (headerSize < 92 || headerSize > sectorSize) throw corrupt('GPT header size', `${headerSize}`);
  const crc = f.u32(16);
  h.fill(0, 16, 20);
  if (crc32(h.subarray(0, headerSize)) !== crc) throw corrupt('GPT header CRC32', `mismatch at LBA ${lba}`);
  const header: GptHeader = {
    backupLba: f.u64(32, 'GPT backup LBA'),
    firstUsable: f.u64(40, 'GPT first usable LBA'),
    lastUsable: f.u64(48, 'GPT last usable LBA'),
    entriesLba: f.u64(72, 'GPT entries LBA'),
    entries: f.u32(80),
    entrySize: f.u32(84),
  };
  if (header.entrySize < 128 || header.entrySize % 128 !== 0 || header.entries * header.entrySize > MAX_GPT_ENTRIES_BYTES) {
    throw corrupt('GPT entry array', `${header.entries} entries of ${header.entrySize} bytes`);
  }
  const entryBytes = header.entries * header.entrySize;
  if (!disk.contains(header.entriesLba * sectorSize, entryBytes)) throw corrupt('GPT entry array', `LBA ${header.entriesLba} is outside the disk`);
  const arr = await disk.read(header.entriesLba * sectorSize, entryBytes);
  if (crc32(arr) !== f.u32(88)) throw corrupt('GPT entry array CRC32', `mismatch for the header at LBA ${lba}`);
  return header;
}

async function gptPartitions(disk: DiskWindow, h: GptHeader, sectorSize: number, notes: string[]): Promise<Partition[]> {
  const arr = await disk.read(h.entriesLba * sectorSize, h.entries * h.entrySize);
  const f = le(arr);
  const out: Partition[] = [];
  for (let i = 0; i < h.entries; i++) {
    const o = i * h.entrySize;
    if (arr.subarray(o, o + 16).every((b) => b === 0)) continue;
    const first = f.u64(o + 32, `GPT entry ${i + 1} first LBA`);
    const last = f.u64(o + 40, `GPT entry ${i + 1} last LBA`);
    if (last < first) {
      notes.push(`GPT entry ${i + 1}: last LBA ${last} is before first LBA ${first}: ignored`);
      continue;
    }
    const p = checkedPartition(disk, i + 1, (first * sectorSize) / SECTOR, ((last - first + 1) * sectorSize) / SECTOR, guid(arr, o), notes);
    if (p !== undefined) out.push(p);
  }
  return out;
}

/** GPT at 512-byte sectors (or 4096 when the signature sits there); the backup header when the primary fails. */
export async function readGpt(disk: DiskWindow): Promise<PartitionTable> {
  const notes: string[] = [];
  for (const sectorSize of [512, 4096]) {
    if (!disk.contains(sectorSize, 8) || ascii(await disk.read(sectorSize, 8), 0, 8) !== 'EFI PART') continue;
    let header: GptHeader;
    try {
      header = await readGptHeader(disk, 1, sectorSize);
    } catch (err) {
      if (!isDiskmapError(err)) throw err;
      const lastLba = Math.floor(disk.size / sectorSize) - 1;
      notes.push(`primary GPT unusable (${err.message}); using the backup at LBA ${lastLba}`);
      header = await readGptHeader(disk, lastLba, sectorSize);
    }
    return gptTable(disk, header, sectorSize, notes);
  }
  // No primary signature at all: the backup header in the disk's last sector may still be whole.
  const lastLba = Math.floor(disk.size / SECTOR) - 1;
  try {
    const header = await readGptHeader(disk, lastLba, SECTOR);
    notes.push(`no primary GPT header; using the backup at LBA ${lastLba}`);
    return gptTable(disk, header, SECTOR, notes);
  } catch (err) {
    if (!isDiskmapError(err)) throw err;
    throw new DiskmapError('DISKMAP_CORRUPT', `protective MBR without a usable GPT (no header at LBA 1; backup: ${err.message})`, { field: 'GPT header' });
  }
}

async function gptTable(disk: DiskWindow, header: GptHeader, sectorSize: number, notes: string[]): Promise<PartitionTable> {
  const partitions = await gptPartitions(disk, header, sectorSize, notes);
  // The backup entries and header live past the last usable LBA, outside every partition.
  const tailStart = Math.max(0, Math.min(disk.size, (header.lastUsable + 1) * sectorSize));
  return { scheme: 'gpt', partitions, structures: [{ start: tailStart, length: disk.size - tailStart }], notes };
}
