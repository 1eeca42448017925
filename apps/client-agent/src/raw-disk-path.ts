// Windows device and raw-disk paths as --target. libuv never reports a block device on Windows, so
// such a path would reach the file code: stat errors under wine, and on real Windows a successful
// stat would open the disk as a file with create and truncate. Until a Windows disk writer exists
// they are refused by name, before anything is opened or the DP is asked.
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
