// \\.\PhysicalDriveN as the agent's target: the checks of libs/chunking's preparePhysicalDrive
// (system and boot disks, size, every volume locked and dismounted) run as the image writer's
// preflight, then the disk is opened unbuffered and write-through for DiskTargetIo. The locks are
// held until the writer closes the disk, so Windows cannot mount a volume of it mid-write.
import { checkPhysicalDrive, preparePhysicalDrive, type OpenTargetOptions, type PreparedDisk, type TargetIo } from '@castpoint/chunking';
import { openDisk, win32DiskApi } from './disk-api';
import { DiskTargetIo } from './disk-target-io';
import type { Win32Calls } from './win32-calls';

export interface PhysicalDriveTarget {
  /** The checks that need no lock, before the DP is asked (name, system and boot disks). */
  precheck(path: string): Promise<void>;
  /** The writer's preflight and I/O for this disk. */
  readonly writerOptions: Required<Pick<OpenTargetOptions, 'preflight' | 'openIo'>>;
}

export function physicalDriveTarget(win: Win32Calls): PhysicalDriveTarget {
  const api = win32DiskApi(win);
  let prepared: PreparedDisk | undefined;
  return {
    async precheck(path) {
      await checkPhysicalDrive(path, api);
    },
    writerOptions: {
      async preflight(path, imageSize) {
        await prepared?.release();
        prepared = await preparePhysicalDrive(path, imageSize, api);
        return { kind: 'block', capacity: prepared.sizeBytes, warnings: [] };
      },
      openIo(path): Promise<TargetIo> {
        const disk = prepared;
        if (disk === undefined) return Promise.reject(new Error(`${path} was opened before its checks ran`));
        prepared = undefined;
        try {
          const handle = openDisk(win, disk.disk, 'disk-write');
          return Promise.resolve(new DiskTargetIo({ win, handle, path, sectorSize: disk.sectorSize, sizeBytes: disk.sizeBytes, onClose: () => disk.release() }));
        } catch (err) {
          return disk.release().then(() => Promise.reject(err as Error));
        }
      },
    },
  };
}
