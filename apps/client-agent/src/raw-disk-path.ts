// Windows device and raw-disk paths as --target. libuv never reports a block device on Windows, so
// such a path would reach the file code: stat errors under wine, and on real Windows a successful
// stat would open the disk as a file with create and truncate. They are sorted by name, before
// anything is opened or the DP is asked: the Windows agent writes \\.\PhysicalDriveN through its
// Win32 disk writer (src/win32); every other device path, and any on other systems, is refused.
import { physicalDriveNumber } from '@castpoint/chunking';
import { AgentError } from './errors';

/**
 * `\\.\PhysicalDrive0`, `\\.\C:`, `\\?\Volume{...}`, `\\?\C:\x.img`, `\??\...` and the forward-slash
 * spellings (`//./PhysicalDrive0`): Win32 takes either slash in these prefixes.
 */
const WINDOWS_DEVICE_PREFIX = /^(?:[\\/]{2}[.?]|[\\/]\?\?)[\\/]/;

export function isWindowsDevicePath(target: string): boolean {
  return WINDOWS_DEVICE_PREFIX.test(target.trim());
}

/** Throws target-refused (exit 5) for a Windows device path; checks the name only, on every platform. */
export function refuseWindowsDevicePath(target: string): void {
  if (!isWindowsDevicePath(target)) return;
  throw new AgentError(
    'target-refused',
    `--target ${target} is a Windows device path (\\\\.\\PhysicalDriveN, \\\\.\\X:, \\\\?\\...): writing to Windows disks is not supported yet; give a file path such as D:\\images\\disk.img, or deploy to the disk from Linux`,
    { target },
  );
}

/**
 * Deploy's --target: true for `\\.\PhysicalDriveN` on Windows (the Win32 disk writer takes it),
 * false for a file path; throws target-refused (exit 5) for every other device path, and for
 * PhysicalDriveN elsewhere.
 */
export function isWindowsDiskTarget(target: string, platform: NodeJS.Platform): boolean {
  if (!isWindowsDevicePath(target)) return false;
  const disk = physicalDriveNumber(target.trim());
  if (disk !== undefined && platform === 'win32') return true;
  const why =
    disk !== undefined
      ? `is a Windows disk: only the Windows agent (castpoint-agent-win-x64.exe, in WinPE) writes it; from Linux deploy to /dev/sdX`
      : platform === 'win32'
        ? `is a Windows device path but not a whole disk: give \\\\.\\PhysicalDriveN (diskpart's "list disk" number) or a file path such as D:\\images\\disk.img`
        : `is a Windows device path (\\\\.\\X:, \\\\?\\...): give a file path, or deploy to the disk from Linux`;
  throw new AgentError('target-refused', `--target ${target} ${why}`, { target: target.trim() });
}
