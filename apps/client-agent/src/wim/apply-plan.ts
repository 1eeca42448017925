// The Linux path of a WIM image (issue 27): which commands lay out the disk, make the file systems,
// apply the WIM and fill the ESP, with which arguments. A pure function of the disk's geometry and
// the image, so that every argument is tested as a table; apply-wim.ts runs the plan.
//
// Layout: GPT, as Windows Setup makes it for UEFI: ESP 260 MiB FAT32, MSR 16 MiB (no file system),
// Windows NTFS over the rest. BIOS/MBR machines are not laid out here: Windows' MBR boot code, the
// NTFS boot sector's bootmgr loader and the BCD are written by bootsect/bcdboot, which only the
// WinPE path has (winpe-scripts.ts renders that layout); this path makes a UEFI disk.

/** Partitions start on 1 MiB boundaries, as Windows aligns them. */
export const ALIGN_BYTES = 1024 * 1024;
export const ESP_BYTES = 260 * 1024 * 1024;
export const MSR_BYTES = 16 * 1024 * 1024;
/** sgdisk type codes: EFI system, Microsoft reserved, Microsoft basic data. */
export const TYPE_ESP = 'ef00';
export const TYPE_MSR = '0c01';
export const TYPE_BASIC_DATA = '0700';
/** GPT keeps 128 entries of 128 bytes behind the header, at both ends of the disk. */
const GPT_ENTRIES_BYTES = 128 * 128;
/**
 * The geometry mkntfs writes into the NTFS boot sector (-H/-S). Windows reads the partition start
 * (-p) from it to find itself; heads and sectors per track only matter to old BIOS code, and these
 * are what Windows' own format writes for any disk it does not know better.
 */
export const NTFS_HEADS = 255;
export const NTFS_SECTORS_PER_TRACK = 63;

export type PartName = 'esp' | 'msr' | 'windows';

export interface PlannedPartition {
  readonly name: PartName;
  readonly number: number;
  readonly firstSector: number;
  readonly lastSector: number;
  readonly typeCode: string;
  readonly label: string;
}

export interface DiskGeometry {
  readonly sizeBytes: number;
  /** Logical sector size (512, or 4096 on 4Kn disks). */
  readonly sectorSize: number;
}

/** The last sector a partition may use: the backup GPT (entries + header) fills the disk's end. */
export function lastUsableSector(g: DiskGeometry): number {
  const sectors = Math.floor(g.sizeBytes / g.sectorSize);
  return sectors - 1 - 1 - Math.ceil(GPT_ENTRIES_BYTES / g.sectorSize);
}

export function gptLayout(g: DiskGeometry): PlannedPartition[] {
  const s = (bytes: number): number => bytes / g.sectorSize;
  const espFirst = s(ALIGN_BYTES);
  const msrFirst = espFirst + s(ESP_BYTES);
  const winFirst = msrFirst + s(MSR_BYTES);
  return [
    { name: 'esp', number: 1, firstSector: espFirst, lastSector: msrFirst - 1, typeCode: TYPE_ESP, label: 'EFI system partition' },
    { name: 'msr', number: 2, firstSector: msrFirst, lastSector: winFirst - 1, typeCode: TYPE_MSR, label: 'Microsoft reserved partition' },
    { name: 'windows', number: 3, firstSector: winFirst, lastSector: lastUsableSector(g), typeCode: TYPE_BASIC_DATA, label: 'Windows' },
  ];
}

/**
 * Bytes the Windows partition needs for a WIM image of `totalBytes` of file data: NTFS's own
 * metadata (MFT, log, a record per file) and cluster slack, estimated as a tenth more plus 64 MiB.
 * An estimate, not a bound: a WIM of very many tiny files can need more (docs/preinstall.md).
 */
export function windowsBytesNeeded(totalBytes: number): number {
  return Math.ceil(totalBytes * 1.1) + 64 * 1024 * 1024;
}

/** The smallest disk that takes the layout and the image (refused below it before a byte). */
export function diskBytesNeeded(totalBytes: number, sectorSize: number): number {
  const front = ALIGN_BYTES + ESP_BYTES + MSR_BYTES;
  const back = sectorSize + GPT_ENTRIES_BYTES;
  return front + windowsBytesNeeded(totalBytes) + back;
}

/** A command (argv; `$esp` / `$windows` stand for the partitions' devices), or attaching one. */
export type WimStep =
  | { readonly kind: 'run'; readonly argv: readonly string[]; readonly why: string }
  /** Makes a block device of a partition's byte range (a loop device over the disk), named `$name`. */
  | { readonly kind: 'attach'; readonly part: PartName; readonly offset: number; readonly size: number };

export interface WimApplyInput {
  readonly disk: string;
  readonly geometry: DiskGeometry;
  /** The staged WIM file and the image in it. */
  readonly wim: string;
  readonly index: number;
  /** An empty directory the boot files are extracted to before they go onto the ESP. */
  readonly scratchDir: string;
}

export interface WimApplyPlan {
  readonly partitions: readonly PlannedPartition[];
  readonly steps: readonly WimStep[];
}

export function planWimApply(i: WimApplyInput): WimApplyPlan {
  const parts = gptLayout(i.geometry);
  const [esp, msr, win] = parts as [PlannedPartition, PlannedPartition, PlannedPartition];
  const ss = i.geometry.sectorSize;
  const range = (p: PlannedPartition): { offset: number; size: number } => ({ offset: p.firstSector * ss, size: (p.lastSector - p.firstSector + 1) * ss });
  const create = parts.flatMap((p) => [`--new=${p.number}:${p.firstSector}:${p.lastSector}`, `--typecode=${p.number}:${p.typeCode}`, `--change-name=${p.number}:${p.label}`]);
  const efi = `${i.scratchDir}/EFI`;
  return {
    partitions: parts,
    steps: [
      { kind: 'run', argv: ['sgdisk', '--zap-all', i.disk], why: 'remove the old partition tables (GPT at both ends, MBR)' },
      { kind: 'run', argv: ['sgdisk', '--clear', ...create, i.disk], why: `write a GPT: ESP, MSR and Windows (${msr.label} stays unformatted)` },
      { kind: 'attach', part: 'esp', ...range(esp) },
      { kind: 'attach', part: 'windows', ...range(win) },
      { kind: 'run', argv: ['mkfs.vfat', '-F', '32', '-S', String(ss), '-n', 'SYSTEM', '$esp'], why: 'FAT32 on the ESP' },
      {
        kind: 'run',
        // -p: the partition's first sector goes into the boot sector; without it (0 on a loop
        // device or a partition mkntfs cannot query) Windows' boot loader cannot find the volume.
        argv: ['mkntfs', '--fast', '--quiet', '-L', 'Windows', '-s', String(ss), '-p', String(win.firstSector), '-H', String(NTFS_HEADS), '-S', String(NTFS_SECTORS_PER_TRACK), '$windows'],
        why: 'NTFS on the Windows partition',
      },
      { kind: 'run', argv: ['wimlib-imagex', 'apply', i.wim, String(i.index), '$windows'], why: `apply image ${i.index} of the WIM to NTFS` },
      // From the WIM rather than the applied volume: the same files, without mounting NTFS.
      { kind: 'run', argv: ['wimlib-imagex', 'extract', i.wim, String(i.index), '/Windows/Boot/EFI', `--dest-dir=${i.scratchDir}`, '--no-acls'], why: 'take the UEFI boot files (Windows\\Boot\\EFI)' },
      { kind: 'run', argv: ['mmd', '-i', '$esp', '::/EFI', '::/EFI/Microsoft', '::/EFI/Boot'], why: 'make the ESP folders' },
      { kind: 'run', argv: ['mcopy', '-s', '-i', '$esp', efi, '::/EFI/Microsoft/Boot'], why: 'boot files to EFI\\Microsoft\\Boot, as bcdboot puts them' },
      // The removable-media path: firmware without a boot entry for Windows (none is made here) starts it.
      { kind: 'run', argv: ['mcopy', '-i', '$esp', `${efi}/bootmgfw.efi`, '::/EFI/Boot/bootx64.efi'], why: 'bootmgfw.efi as the fallback loader EFI\\Boot\\bootx64.efi' },
    ],
  };
}
