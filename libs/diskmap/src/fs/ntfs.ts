// NTFS: the boot sector, MFT record 6 ($Bitmap), its unnamed non-resident $DATA attribute's data
// runs, then one bit per cluster. Layouts as documented by the Linux-NTFS project (ntfs-3g layout.h).
import { DiskmapError, corrupt } from '../errors';
import { ExtentBuilder, forEachSetRun } from '../extents';
import { DiskWindow, ascii, le } from '../reader';
import type { FsMap } from './types';

const BITMAP_RECORD = 6;
const ATTR_ATTRIBUTE_LIST = 0x20;
const ATTR_DATA = 0x80;
const ATTR_END = 0xffffffff;
/** $Bitmap of a 256 TiB volume with 4 KiB clusters has ~2M runs at worst; far fewer in practice. */
const MAX_RUNS = 65536;

export async function isNtfs(w: DiskWindow): Promise<boolean> {
  if (!w.contains(0, 512)) return false;
  return ascii(await w.read(0, 512), 3, 8) === 'NTFS    ';
}

interface Boot {
  bps: number;
  clusterBytes: number;
  totalClusters: number;
  fsBytes: number;
  mftOffset: number;
  recordBytes: number;
}

function readBoot(b: Uint8Array, partBytes: number): Boot {
  const f = le(b);
  if (f.u16(510) !== 0xaa55) throw corrupt('NTFS boot sector', 'no 0x55AA signature');
  const bps = f.u16(11);
  if (![512, 1024, 2048, 4096].includes(bps)) throw corrupt('NTFS bytes per sector', `${bps}`);
  const spcRaw = f.u8(13);
  // Above 0x80 the byte is a negative power of two (clusters of 64 KiB and more).
  const spc = spcRaw <= 0x80 ? spcRaw : 2 ** (256 - spcRaw);
  if (spc === 0 || (spc & (spc - 1)) !== 0 || spc * bps > 2 * 1024 * 1024) throw corrupt('NTFS sectors per cluster', `${spcRaw}`);
  const clusterBytes = spc * bps;
  const totalSectors = f.u64(0x28, 'NTFS total sectors');
  const fsBytes = totalSectors * bps;
  if (fsBytes === 0 || fsBytes > partBytes) throw corrupt('NTFS total sectors', `${totalSectors} sectors exceed the ${partBytes}-byte partition`);
  const totalClusters = Math.floor(fsBytes / clusterBytes);
  const mftLcn = f.u64(0x30, 'NTFS $MFT cluster');
  if (mftLcn >= totalClusters) throw corrupt('NTFS $MFT cluster', `${mftLcn} is past cluster ${totalClusters}`);
  const perRecord = f.i8(0x40);
  const recordBytes = perRecord > 0 ? perRecord * clusterBytes : 2 ** -perRecord;
  if (recordBytes < 512 || recordBytes > 65536 || (recordBytes & (recordBytes - 1)) !== 0) throw corrupt('NTFS MFT record size', `${recordBytes}`);
  return { bps, clusterBytes, totalClusters, fsBytes, mftOffset: mftLcn * clusterBytes, recordBytes };
}

/** Applies the update sequence array: the last 2 bytes of each 512-byte stride were swapped out on write. */
export function applyFixups(rec: Uint8Array): void {
  const f = le(rec);
  const usaOffset = f.u16(4);
  const usaCount = f.u16(6);
  const strides = rec.length / 512;
  if (usaCount !== strides + 1 || usaOffset + usaCount * 2 > rec.length || usaOffset < 8) {
    throw corrupt('NTFS update sequence', `offset ${usaOffset}, count ${usaCount} for a ${rec.length}-byte record`);
  }
  const usn = f.u16(usaOffset);
  for (let i = 1; i <= strides; i++) {
    const at = i * 512 - 2;
    if (f.u16(at) !== usn) throw corrupt('NTFS update sequence', `stride ${i} does not end with the sequence number (torn write)`);
    rec[at] = rec[usaOffset + i * 2] ?? 0;
    rec[at + 1] = rec[usaOffset + i * 2 + 1] ?? 0;
  }
}

export interface DataRun {
  /** First cluster on the volume. */
  readonly lcn: number;
  readonly clusters: number;
}

/** Decodes a runlist (header byte: low nibble = length bytes, high nibble = signed LCN delta bytes). */
export function decodeRuns(bytes: Uint8Array, start: number, end: number, totalClusters: number): DataRun[] {
  const runs: DataRun[] = [];
  let p = start;
  let lcn = 0;
  while (p < end) {
    const header = bytes[p] ?? 0;
    if (header === 0) return runs;
    const lenBytes = header & 0x0f;
    const ofsBytes = header >>> 4;
    if (lenBytes === 0 || lenBytes > 8 || ofsBytes > 8 || p + 1 + lenBytes + ofsBytes > end) throw corrupt('NTFS data run', `header 0x${header.toString(16)} at ${p}`);
    let length = 0;
    for (let i = lenBytes - 1; i >= 0; i--) length = length * 256 + (bytes[p + 1 + i] ?? 0);
    let delta = 0;
    for (let i = ofsBytes - 1; i >= 0; i--) delta = delta * 256 + (bytes[p + 1 + lenBytes + i] ?? 0);
    if (ofsBytes > 0 && ((bytes[p + lenBytes + ofsBytes] ?? 0) & 0x80) !== 0) delta -= 2 ** (8 * ofsBytes);
    if (ofsBytes === 0) throw corrupt('NTFS data run', 'a sparse run in $Bitmap');
    lcn += delta;
    if (length === 0 || lcn < 0 || lcn + length > totalClusters) throw corrupt('NTFS data run', `clusters ${lcn}+${length} outside the ${totalClusters}-cluster volume`);
    runs.push({ lcn, clusters: length });
    if (runs.length > MAX_RUNS) throw corrupt('NTFS data run', `more than ${MAX_RUNS} runs`);
    p += 1 + lenBytes + ofsBytes;
  }
  throw corrupt('NTFS data run', 'runlist has no terminator');
}

/** Finds the unnamed $DATA attribute of an MFT record (fixups applied) and returns its runs and size. */
function bitmapRuns(rec: Uint8Array, totalClusters: number): { runs: DataRun[]; dataSize: number } {
  const f = le(rec);
  if (ascii(rec, 0, 4) !== 'FILE') throw corrupt('NTFS $Bitmap record', 'no FILE signature');
  let off = f.u16(0x14);
  const bytesInUse = Math.min(f.u32(0x18), rec.length);
  for (let n = 0; n < 64; n++) {
    if (off + 8 > bytesInUse) break;
    const type = f.u32(off);
    if (type === ATTR_END) break;
    const len = f.u32(off + 4);
    if (len < 16 || len % 8 !== 0 || off + len > bytesInUse) throw corrupt('NTFS attribute', `length ${len} at ${off}`);
    if (type === ATTR_ATTRIBUTE_LIST) {
      throw new DiskmapError('DISKMAP_UNSUPPORTED', 'NTFS $Bitmap with an attribute list (data in several records) is not mapped', { feature: 'ntfs-attribute-list' });
    }
    if (type === ATTR_DATA && f.u8(off + 9) === 0) {
      if (f.u8(off + 8) !== 1 || len < 0x48) throw corrupt('NTFS $Bitmap $DATA', 'is not a non-resident attribute');
      if (f.u64(off + 0x10, 'NTFS $Bitmap lowest VCN') !== 0) throw corrupt('NTFS $Bitmap $DATA', 'does not start at VCN 0');
      const runsAt = f.u16(off + 0x20);
      if (runsAt < 0x40 || runsAt >= len) throw corrupt('NTFS $Bitmap runlist offset', `${runsAt}`);
      return { runs: decodeRuns(rec, off + runsAt, off + len, totalClusters), dataSize: f.u64(off + 0x30, 'NTFS $Bitmap data size') };
    }
    off += len;
  }
  throw corrupt('NTFS $Bitmap record', 'has no unnamed $DATA attribute');
}

/** Used clusters are the set bits of $Bitmap; the backup boot sector past the last cluster is kept by the caller. */
export async function mapNtfs(w: DiskWindow): Promise<FsMap> {
  const boot = readBoot(await w.read(0, 512), w.size);
  const rec = await w.read(boot.mftOffset + BITMAP_RECORD * boot.recordBytes, boot.recordBytes);
  const copy = new Uint8Array(rec);
  applyFixups(copy);
  const { runs, dataSize } = bitmapRuns(copy, boot.totalClusters);
  const needBytes = Math.ceil(boot.totalClusters / 8);
  const runBytes = runs.reduce((n, r) => n + r.clusters * boot.clusterBytes, 0);
  if (dataSize < needBytes || runBytes < needBytes) throw corrupt('NTFS $Bitmap size', `${dataSize} bytes (runs ${runBytes}) for ${boot.totalClusters} clusters`);

  const used = new ExtentBuilder();
  used.add(0, boot.clusterBytes); // boot sector, whatever the bitmap says
  const cb = boot.clusterBytes;
  let bitBase = 0;
  for (const run of runs) {
    let runOffset = 0;
    const runLen = Math.min(run.clusters * cb, needBytes - bitBase / 8);
    while (runOffset < runLen) {
      const n = Math.min(1024 * 1024, runLen - runOffset);
      const bits = await w.read(run.lcn * cb + runOffset, n);
      forEachSetRun(bits, Math.min(n * 8, boot.totalClusters - bitBase), bitBase, (first, count) => used.add(first * cb, count * cb));
      bitBase += n * 8;
      runOffset += n;
    }
    if (bitBase >= boot.totalClusters) break;
  }
  const clusterEnd = boot.totalClusters * cb;
  used.add(clusterEnd, boot.fsBytes - clusterEnd);
  return { kind: 'ntfs', method: 'allocation-map', used: used.finish(), fsBytes: boot.fsBytes };
}
