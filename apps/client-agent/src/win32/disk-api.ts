// Win32DiskApi (libs/chunking's checks before a \\.\PhysicalDriveN is written) over Win32Calls.
// What each answer rests on, and its fallback where wine (or an odd driver) lacks the IOCTL:
//   size:      IOCTL_DISK_GET_LENGTH_INFO, else DISK_GEOMETRY_EX.DiskSize, else found by reading
//              (the last offset where a sector still reads: wine answers neither IOCTL for a disk);
//   sector:    DISK_GEOMETRY_EX.BytesPerSector, else 512;
//   volumes:   every volume whose IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS names the disk;
//   protected: the disks under the Windows directory's volume (X: in WinPE) and under any volume that
//              holds sources\boot.wim (WinPE boot media); by their extents, else by
//              IOCTL_STORAGE_GET_DEVICE_NUMBER; when neither answers for C:, every disk is refused
//              (the system disk cannot be told apart); for WinPE's X:, a RAM disk, none is.
import { ChunkingError, allocAligned, type Win32DiskApi, type Win32Volume } from '@castpoint/chunking';
import { Win32CallError, type Win32Calls, type Win32Handle } from './win32-calls';
import { DISK_EXTENTS_OUT_SIZE, FILE_DEVICE_DISK, IOCTL, WIN32_ERROR, decodeDeviceNumber, decodeDiskExtents, decodeGeometryEx, decodeLengthInfo } from './win32-structs';

export function drivePath(disk: number): string {
  return `\\\\.\\PhysicalDrive${disk}`;
}

/** `\\?\Volume{GUID}\` -> `\\?\Volume{GUID}`: CreateFileW opens the volume itself only without the slash. */
export function volumeDevicePath(name: string): string {
  return name.endsWith('\\') ? name.slice(0, -1) : name;
}

/** Opens `\\.\PhysicalDriveN`, turning the usual failures into sentences a technician can act on. */
export function openDisk(win: Pick<Win32Calls, 'open'>, disk: number, mode: 'read' | 'disk-write'): Win32Handle {
  const path = drivePath(disk);
  try {
    return win.open(path, mode);
  } catch (err) {
    const code = err instanceof Win32CallError ? err.win32Code : 0;
    if (code === WIN32_ERROR.FILE_NOT_FOUND || code === WIN32_ERROR.PATH_NOT_FOUND) {
      throw new ChunkingError('CHUNKING_TARGET_UNSUPPORTED_TYPE', `${path}: there is no disk ${disk} (diskpart's "list disk" shows the numbers)`, { path }, { cause: err });
    }
    if (code === WIN32_ERROR.ACCESS_DENIED) {
      throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `${path}: access denied; writing a disk needs an elevated (Administrator) prompt, as WinPE's is`, { path, errno: 'ERROR_ACCESS_DENIED' }, { cause: err });
    }
    throw new ChunkingError('CHUNKING_TARGET_NOT_WRITABLE', `cannot open ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
}

function tryIoctl<T>(win: Win32Calls, h: Win32Handle, code: number, outSize: number, decode: (b: Uint8Array) => T): T | undefined {
  try {
    return decode(win.ioctl(h, code, null, outSize));
  } catch {
    return undefined;
  }
}

/** The largest size at which a sector at `size - sector` still reads whole: for disks no IOCTL sizes. */
export async function probeSizeByReading(win: Win32Calls, h: Win32Handle, sector: number): Promise<number> {
  const buf = allocAligned(sector);
  const readable = async (sectors: number): Promise<boolean> => {
    try {
      return (await win.readAt(h, buf, (sectors - 1) * sector)) === sector;
    } catch {
      return false;
    }
  };
  if (!(await readable(1))) return 0;
  let lo = 1; // readable
  let hi = 2;
  while (await readable(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 2 ** 40) throw new Win32CallError('ReadFile', 0, 'size probe beyond 512 TiB');
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await readable(mid)) lo = mid;
    else hi = mid;
  }
  return lo * sector;
}

/** The disk numbers a volume lies on, or undefined when the volume cannot tell. */
function disksOfVolume(win: Win32Calls, devicePath: string): number[] | undefined {
  let h: Win32Handle;
  try {
    h = win.open(devicePath, 'query');
  } catch {
    return undefined;
  }
  try {
    const extents = tryIoctl(win, h, IOCTL.VOLUME_GET_VOLUME_DISK_EXTENTS, DISK_EXTENTS_OUT_SIZE, decodeDiskExtents);
    if (extents !== undefined && extents.length > 0) return [...new Set(extents.map((e) => e.disk))];
    const n = tryIoctl(win, h, IOCTL.STORAGE_GET_DEVICE_NUMBER, 12, decodeDeviceNumber);
    if (n !== undefined && n.deviceType === FILE_DEVICE_DISK) return [n.deviceNumber];
    return extents === undefined ? undefined : [];
  } finally {
    win.close(h);
  }
}

/** `C:\Windows\System32` -> `C`; undefined for a path without a drive letter. */
function driveLetterOf(path: string): string | undefined {
  const m = /^([A-Za-z]):/.exec(path);
  return m?.[1]?.toUpperCase();
}

export function win32DiskApi(win: Win32Calls): Win32DiskApi {
  const locks = new Map<string, Win32Handle>();
  const geometry = (disk: number): { size?: number; sector?: number } => {
    // Read access: IOCTL_DISK_GET_LENGTH_INFO is FILE_READ_ACCESS (GEOMETRY_EX would take none).
    const h = openDisk(win, disk, 'read');
    try {
      const g = tryIoctl(win, h, IOCTL.DISK_GET_DRIVE_GEOMETRY_EX, 256, decodeGeometryEx);
      const size = tryIoctl(win, h, IOCTL.DISK_GET_LENGTH_INFO, 8, decodeLengthInfo) ?? g?.diskSize;
      return { ...(size === undefined ? {} : { size }), ...(g === undefined ? {} : { sector: g.bytesPerSector }) };
    } finally {
      win.close(h);
    }
  };
  return {
    async diskLength(disk) {
      const { size, sector } = geometry(disk);
      if (size !== undefined && size > 0) return size;
      const h = openDisk(win, disk, 'disk-write');
      try {
        return await probeSizeByReading(win, h, sector ?? 512);
      } finally {
        win.close(h);
      }
    },
    sectorSize(disk) {
      return Promise.resolve(geometry(disk).sector ?? 512);
    },
    volumesOn(disk) {
      const out: Win32Volume[] = [];
      for (const name of win.volumeNames()) {
        if (!(disksOfVolume(win, volumeDevicePath(name)) ?? []).includes(disk)) continue;
        const letters = win.volumePaths(name).flatMap((p) => (/^[A-Za-z]:\\$/.test(p) ? [p.slice(0, 1).toUpperCase()] : []));
        out.push({ name, letters });
      }
      return Promise.resolve(out);
    },
    protectedDisks() {
      const found = new Map<number, string>();
      const system = driveLetterOf(win.systemDirectory());
      if (system !== undefined) {
        const what = system === 'X' ? 'X: (WinPE, the running system)' : `${system}: (the running Windows)`;
        const disks = disksOfVolume(win, `\\\\.\\${system}:`);
        // WinPE's X: is a RAM disk (boot.wim loaded into memory): no disk under it to protect; its
        // boot media, if a disk, is found below by its sources\boot.wim.
        if (disks === undefined && system !== 'X') {
          throw new ChunkingError('CHUNKING_TARGET_PROBE_FAILED', `cannot tell which disk holds ${what}: no disk is written while that is unknown`, { path: `\\\\.\\${system}:` });
        }
        for (const d of disks ?? []) found.set(d, what);
      }
      // WinPE started from a USB stick or disk: the volume with its boot.wim is the boot media.
      for (const name of win.volumeNames()) {
        if (!win.exists(`${name}sources\\boot.wim`)) continue;
        const shown = win.volumePaths(name)[0] ?? name;
        for (const d of disksOfVolume(win, volumeDevicePath(name)) ?? []) if (!found.has(d)) found.set(d, `${shown} (WinPE boot media: sources\\boot.wim)`);
      }
      return Promise.resolve(found);
    },
    lockAndDismount(v) {
      let h: Win32Handle;
      try {
        h = win.open(volumeDevicePath(v.name), 'volume');
      } catch {
        return Promise.resolve(false);
      }
      try {
        win.ioctl(h, IOCTL.FSCTL_LOCK_VOLUME, null, 0);
        win.ioctl(h, IOCTL.FSCTL_DISMOUNT_VOLUME, null, 0);
      } catch {
        win.close(h);
        return Promise.resolve(false);
      }
      locks.set(v.name, h);
      return Promise.resolve(true);
    },
    unlock(v) {
      const h = locks.get(v.name);
      locks.delete(v.name);
      // Closing the handle releases the lock; the dismounted file system mounts again on next use.
      if (h !== undefined) win.close(h);
      return Promise.resolve();
    },
  };
}
