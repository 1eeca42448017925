/** A partition of an MBR disk, in 512-byte sectors. */
export interface MbrPartition {
  readonly startLba: number;
  readonly sectors: number;
  /** Partition type byte: 0x06 FAT16, 0x0c FAT32 LBA, 0x83 Linux. */
  readonly type: number;
  readonly bootable: boolean;
}

const SECTOR = 512;

/**
 * The first sector of an MBR disk: `bootCode` (up to 440 bytes, e.g. syslinux's mbr.bin), a disk
 * signature, up to four partition entries and the 55 AA signature. CHS fields hold the "use LBA"
 * value (FE FF FF), as every partitioner writes for disks past 8 GB and firmware of this century
 * reads.
 */
export function mbrSector(bootCode: Uint8Array, partitions: readonly MbrPartition[], signature = 0x63617374): Buffer {
  if (bootCode.length > 440) throw new RangeError(`MBR boot code is at most 440 bytes, got ${bootCode.length}`);
  if (partitions.length > 4) throw new RangeError(`an MBR holds 4 partitions, got ${partitions.length}`);
  const s = Buffer.alloc(SECTOR);
  s.set(bootCode, 0);
  s.writeUInt32LE(signature >>> 0, 440);
  partitions.forEach((p, i) => {
    if (!Number.isInteger(p.startLba) || p.startLba < 1 || !Number.isInteger(p.sectors) || p.sectors < 1 || p.startLba + p.sectors > 0xffffffff) {
      throw new RangeError(`partition ${i + 1} does not fit an MBR: start ${p.startLba}, ${p.sectors} sectors`);
    }
    const o = 446 + 16 * i;
    s[o] = p.bootable ? 0x80 : 0;
    s.set([0xfe, 0xff, 0xff], o + 1);
    s[o + 4] = p.type;
    s.set([0xfe, 0xff, 0xff], o + 5);
    s.writeUInt32LE(p.startLba, o + 8);
    s.writeUInt32LE(p.sectors, o + 12);
  });
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}
