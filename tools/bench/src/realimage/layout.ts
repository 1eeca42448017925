// The realistic disk's shape (issue 26): what a reference PC's disk looks like, scaled to fit a
// benchmark: GPT, an EFI system partition (FAT32), an ext4 root and an NTFS data partition. Pure:
// the sectors and the sgdisk arguments, so the layout is tested without a disk.

/** Bump when anything the generator writes changes: the cached image is keyed by it. */
export const GENERATOR_VERSION = 1;

const MiB = 1024 * 1024;
const SECTOR = 512;

export interface PartitionSpec {
  readonly number: number;
  readonly name: string;
  /** sgdisk type code. */
  readonly type: string;
  readonly fs: 'fat32' | 'ext4' | 'ntfs';
  readonly startByte: number;
  readonly lengthBytes: number;
}

export interface DiskLayout {
  readonly sizeBytes: number;
  readonly partitions: readonly PartitionSpec[];
}

/**
 * @param sizeMiB the whole disk (at least 1024): 256 MiB ESP, then the root gets 5/8 of the rest
 * and NTFS the remainder less 1 MiB for the backup GPT. Partitions start on MiB boundaries, as
 * every installer puts them.
 */
export function diskLayout(sizeMiB = 2048): DiskLayout {
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1024) throw new Error(`the realistic disk needs at least 1024 MiB, got ${sizeMiB}`);
  const esp = 256;
  const rest = sizeMiB - 1 - esp - 1;
  const root = Math.floor((rest * 5) / 8);
  const data = rest - root;
  const part = (number: number, name: string, type: string, fs: PartitionSpec['fs'], startMiB: number, lengthMiB: number): PartitionSpec => ({ number, name, type, fs, startByte: startMiB * MiB, lengthBytes: lengthMiB * MiB });
  return {
    sizeBytes: sizeMiB * MiB,
    partitions: [part(1, 'EFI system', 'ef00', 'fat32', 1, esp), part(2, 'root', '8300', 'ext4', 1 + esp, root), part(3, 'data', '0700', 'ntfs', 1 + esp + root, data)],
  };
}

/** One sgdisk call that writes the whole table (explicit sectors: nothing left to sgdisk's defaults). */
export function sgdiskArgs(layout: DiskLayout, file: string): string[] {
  const args = ['--zap-all', '--clear'];
  for (const p of layout.partitions) {
    const first = p.startByte / SECTOR;
    const last = first + p.lengthBytes / SECTOR - 1;
    args.push(`--new=${p.number}:${first}:${last}`, `--typecode=${p.number}:${p.type}`, `--change-name=${p.number}:${p.name}`);
  }
  return [...args, file];
}
