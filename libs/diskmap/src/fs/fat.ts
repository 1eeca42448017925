// FAT12/16/32: the BIOS parameter block, then the first FAT. The FAT type follows from the cluster
// count alone (Microsoft's FAT specification, "FAT Type Determination").
import { corrupt } from '../errors';
import { ExtentBuilder } from '../extents';
import { DiskWindow, ascii, le } from '../reader';
import type { FsMap } from './types';

interface Bpb {
  bps: number;
  spc: number;
  reserved: number;
  fats: number;
  fatSectors: number;
  rootDirSectors: number;
  totalSectors: number;
}

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** The BIOS parameter block when sector 0 plausibly holds one (a jump, sane sizes, 0x55AA). */
function readBpb(b: Uint8Array): Bpb | undefined {
  const f = le(b);
  const jump = f.u8(0);
  if (!(jump === 0xeb || jump === 0xe9)) return undefined;
  if (f.u16(510) !== 0xaa55) return undefined;
  if (ascii(b, 3, 8) === 'NTFS    ' || ascii(b, 3, 8) === 'EXFAT   ') return undefined;
  const bps = f.u16(11);
  const spc = f.u8(13);
  const reserved = f.u16(14);
  const fats = f.u8(16);
  const rootEntries = f.u16(17);
  const total16 = f.u16(19);
  const fat16 = f.u16(22);
  const total32 = f.u32(32);
  const fatSectors = fat16 !== 0 ? fat16 : f.u32(36);
  const totalSectors = total16 !== 0 ? total16 : total32;
  if (![512, 1024, 2048, 4096].includes(bps) || !isPow2(spc) || spc > 128) return undefined;
  if (reserved === 0 || fats === 0 || fats > 4 || fatSectors === 0 || totalSectors === 0) return undefined;
  return { bps, spc, reserved, fats, fatSectors, rootDirSectors: Math.ceil((rootEntries * 32) / bps), totalSectors };
}

/** The FAT type of the boot sector in `w` (from its cluster count), or undefined when it holds no BPB. */
export async function fatKind(w: DiskWindow): Promise<'fat12' | 'fat16' | 'fat32' | undefined> {
  if (!w.contains(0, 512)) return undefined;
  const bpb = readBpb(await w.read(0, 512));
  if (bpb === undefined) return undefined;
  const firstData = bpb.reserved + bpb.fats * bpb.fatSectors + bpb.rootDirSectors;
  return kindOf(Math.floor(Math.max(0, bpb.totalSectors - firstData) / bpb.spc));
}

function kindOf(clusters: number): 'fat12' | 'fat16' | 'fat32' {
  return clusters < 4085 ? 'fat12' : clusters < 65525 ? 'fat16' : 'fat32';
}

export async function isFat(w: DiskWindow): Promise<boolean> {
  return (await fatKind(w)) !== undefined;
}

/**
 * Used: the reserved sectors, every FAT copy and the FAT12/16 root directory, then each cluster
 * whose first-FAT entry is not free (0) and not marked bad. FAT32's root directory is a cluster
 * chain, so the FAT covers it.
 */
export async function mapFat(w: DiskWindow): Promise<FsMap> {
  const bpb = readBpb(await w.read(0, 512));
  if (bpb === undefined) throw corrupt('FAT boot sector', 'no valid BIOS parameter block');
  const { bps, spc } = bpb;
  const fsBytes = bpb.totalSectors * bps;
  if (fsBytes > w.size) throw corrupt('FAT total sectors', `${bpb.totalSectors} sectors of ${bps} bytes exceed the ${w.size}-byte partition`);
  const firstData = bpb.reserved + bpb.fats * bpb.fatSectors + bpb.rootDirSectors;
  if (firstData >= bpb.totalSectors) throw corrupt('FAT layout', `data starts at sector ${firstData} of ${bpb.totalSectors}`);
  const clusters = Math.floor((bpb.totalSectors - firstData) / spc);
  const kind = kindOf(clusters);
  const bits = kind === 'fat12' ? 12 : kind === 'fat16' ? 16 : 32;
  const fatBytes = bpb.fatSectors * bps;
  const entries = clusters + 2;
  if (Math.ceil((entries * bits) / 8) > fatBytes) throw corrupt('FAT size', `${bpb.fatSectors} sectors cannot hold ${entries} ${bits}-bit entries`);
  const bad = kind === 'fat12' ? 0xff7 : kind === 'fat16' ? 0xfff7 : 0x0ffffff7;
  const clusterBytes = spc * bps;
  const dataStart = firstData * bps;

  const used = new ExtentBuilder();
  used.add(0, dataStart);
  const useCluster = (n: number): void => used.add(dataStart + (n - 2) * clusterBytes, clusterBytes);
  const fatStart = bpb.reserved * bps;
  if (kind === 'fat32') {
    // Piecewise: a FAT32 table can be hundreds of MiB; 4-byte entries never straddle a piece.
    const piece = 1024 * 1024;
    for (let first = 0; first < entries; first += piece / 4) {
      const n = Math.min(piece / 4, entries - first);
      const fat = le(await w.read(fatStart + first * 4, n * 4));
      for (let i = 0; i < n; i++) {
        const c = first + i;
        if (c < 2) continue;
        const v = fat.u32(i * 4) & 0x0fffffff;
        if (v !== 0 && v !== bad) useCluster(c);
      }
    }
  } else {
    const fat = await w.read(fatStart, Math.ceil((entries * bits) / 8));
    const f = le(fat);
    for (let c = 2; c < entries; c++) {
      let v: number;
      if (kind === 'fat16') v = f.u16(c * 2);
      else {
        const o = Math.floor((c * 3) / 2);
        const pair = (fat[o] ?? 0) | ((fat[o + 1] ?? 0) << 8);
        v = c % 2 === 0 ? pair & 0xfff : pair >>> 4;
      }
      if (v !== 0 && v !== bad) useCluster(c);
    }
  }
  // Sectors past the last whole cluster belong to no cluster: keep them.
  const clusterEnd = dataStart + clusters * clusterBytes;
  used.add(clusterEnd, fsBytes - clusterEnd);
  return { kind, method: 'allocation-map', used: used.finish(), fsBytes };
}
