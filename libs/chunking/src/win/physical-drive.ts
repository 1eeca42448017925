// The checks Windows needs before a byte goes to \\.\PhysicalDriveN (issue 27), written against a
// small Win32 interface so that every refusal is unit-tested with a fake: the real layer (koffi
// calling CreateFileW / DeviceIoControl) is apps/client-agent/src/win32. Order: the disk
// is named right, is not the running system's or WinPE's boot disk, is large enough, and every
// volume on it is locked and dismounted; a lock that fails releases the others and refuses.
import { ChunkingError } from '../errors';

/** A volume on the disk, by its \\?\Volume{GUID}\ name and drive letters if any. */
export interface Win32Volume {
  readonly name: string;
  readonly letters: readonly string[];
}

/** What the writer needs of Win32; each method is one call or IOCTL of the real layer. */
export interface Win32DiskApi {
  /** IOCTL_DISK_GET_LENGTH_INFO on the opened disk. */
  diskLength(disk: number): Promise<number>;
  /** IOCTL_DISK_GET_DRIVE_GEOMETRY_EX: BytesPerSector. */
  sectorSize(disk: number): Promise<number>;
  /** The volumes with an extent on the disk (IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS over FindFirstVolumeW). */
  volumesOn(disk: number): Promise<readonly Win32Volume[]>;
  /**
   * Disk numbers that must never be written: the one holding the Windows directory
   * (GetSystemDirectoryW's volume) and the one WinPE booted from (X:'s backing disk, the boot volume).
   */
  protectedDisks(): Promise<ReadonlyMap<number, string>>;
  /** FSCTL_LOCK_VOLUME then FSCTL_DISMOUNT_VOLUME; false when the lock is refused (files open). */
  lockAndDismount(volume: Win32Volume): Promise<boolean>;
  /** Closes the volume handle, which releases its lock. */
  unlock(volume: Win32Volume): Promise<void>;
}

export interface PreparedDisk {
  readonly disk: number;
  readonly sizeBytes: number;
  readonly sectorSize: number;
  /** Gives the volumes back (after the write, or when the deploy stops). */
  release(): Promise<void>;
}

const DRIVE_RE = /^\\\\[.?]\\PhysicalDrive(\d{1,3})$/i;

/** The disk number of `\\.\PhysicalDriveN`, or undefined for any other path. */
export function physicalDriveNumber(path: string): number | undefined {
  const m = DRIVE_RE.exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * The checks that need no lock (the name, the system and boot disks): run before the DP is asked,
 * and again by preparePhysicalDrive. Returns the disk number.
 */
export async function checkPhysicalDrive(path: string, win: Pick<Win32DiskApi, 'protectedDisks'>): Promise<number> {
  const disk = physicalDriveNumber(path);
  if (disk === undefined) {
    throw new ChunkingError('CHUNKING_TARGET_UNSUPPORTED_TYPE', `${path} is not a disk path: write \\\\.\\PhysicalDriveN (diskpart's "list disk" number)`, { path });
  }
  const protectedDisk = (await win.protectedDisks()).get(disk);
  if (protectedDisk !== undefined) {
    throw new ChunkingError('CHUNKING_TARGET_MOUNTED', `${path} holds ${protectedDisk}: the running system is never written`, { path, device: `disk ${disk}`, mountPoint: protectedDisk });
  }
  return disk;
}

/** Every check, then the volumes locked and dismounted; nothing is written here. */
export async function preparePhysicalDrive(path: string, imageBytes: number, win: Win32DiskApi): Promise<PreparedDisk> {
  const disk = await checkPhysicalDrive(path, win);
  const sizeBytes = await win.diskLength(disk);
  if (sizeBytes < imageBytes) {
    throw new ChunkingError('CHUNKING_TARGET_TOO_SMALL', `${path} holds ${sizeBytes} bytes; the image needs ${imageBytes}`, { path, expected: imageBytes, actual: sizeBytes });
  }
  const sectorSize = await win.sectorSize(disk);
  const locked: Win32Volume[] = [];
  const release = async (): Promise<void> => {
    for (const v of locked.splice(0).reverse()) await win.unlock(v).catch(() => undefined);
  };
  for (const v of await win.volumesOn(disk)) {
    if (!(await win.lockAndDismount(v))) {
      await release();
      const shown = v.letters.length > 0 ? v.letters.map((l) => `${l}:`).join(', ') : v.name;
      throw new ChunkingError('CHUNKING_TARGET_IN_USE', `${path}: the volume ${shown} cannot be locked (files are open on it): close them or take it offline, then run again`, { path, device: v.name });
    }
    locked.push(v);
  }
  return { disk, sizeBytes, sectorSize, release };
}

/**
 * Unbuffered writes (FILE_FLAG_NO_BUFFERING) must start and end on sector boundaries: a chunk's
 * offset and its length must be whole sectors, except the image's last chunk, which is padded by
 * the writer (`paddedLength`).
 */
export function paddedLength(length: number, sectorSize: number): number {
  return Math.ceil(length / sectorSize) * sectorSize;
}
