// Windows device paths are sorted by name (the check never touches the disk): the Windows agent takes
// \\.\PhysicalDriveN (with --state-dir), every other device path and any on Linux are refused.
import { AgentError, EXIT, exitCodeOf } from './errors';
import { validateDeployOptions } from './options';
import { isWindowsDevicePath } from './raw-disk-path';

const ctx = { env: {}, stdoutIsTty: false, cwd: '/work' };

describe('Windows device paths as --target', () => {
  it.each([
    '\\\\.\\PhysicalDrive0',
    '\\\\.\\PhysicalDrive12',
    '\\\\.\\C:',
    '\\\\?\\Volume{0b1c2d3e-0000-0000-0000-100000000000}',
    '\\\\?\\C:\\images\\disk.img',
    '\\??\\PhysicalDrive0',
    '//./PhysicalDrive0',
    '//./d:',
    '//?/GLOBALROOT/Device/Harddisk0/Partition0',
    '\\/.\\PhysicalDrive1',
    '  \\\\.\\PhysicalDrive0',
  ])('%s is refused on Linux with target-refused (exit 5) before anything else', (target) => {
    expect(isWindowsDevicePath(target)).toBe(true);
    let err: unknown;
    try {
      validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target, stateDir: '/state' }, { ...ctx, platform: 'linux' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'target-refused', data: { target: target.trim() } });
    expect(exitCodeOf(err as AgentError)).toBe(EXIT.targetRefused);
    expect((err as Error).message).toMatch(/is a Windows (device path|disk: only the Windows agent)/);
  });

  it.each(['D:\\images\\disk.img', '\\\\server\\share\\disk.img', '//server/share/disk.img', '/dev/sda', 'out/disk.img', '.\\disk.img', './disk.img'])(
    '%s is not a device path',
    (target) => {
      expect(isWindowsDevicePath(target)).toBe(false);
      expect(() => validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target }, ctx)).not.toThrow();
    },
  );

  it.each(['\\\\.\\PhysicalDrive1', '\\\\?\\PhysicalDrive12', ' \\\\.\\physicaldrive0 '])('%s is a disk target on Windows, kept as typed', (target) => {
    const o = validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target, stateDir: 'D:\\cp' }, { ...ctx, platform: 'win32' });
    expect(o.target).toBe(target.trim());
    expect(o.stateDirGiven).toBe(true);
  });

  it('a Windows disk needs --state-dir (usage, exit 2)', () => {
    expect(() => validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target: '\\\\.\\PhysicalDrive1' }, { ...ctx, platform: 'win32' })).toThrow(
      expect.objectContaining({ code: 'usage', message: expect.stringMatching(/needs --state-dir on persistent media/) }),
    );
  });

  it.each(['\\\\.\\C:', '\\\\?\\Volume{0b1c2d3e-0000-0000-0000-100000000000}', '//?/GLOBALROOT/Device/Harddisk0/Partition0'])('%s is refused on Windows too: not a whole disk', (target) => {
    expect(() => validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target, stateDir: 'D:\\cp' }, { ...ctx, platform: 'win32' })).toThrow(
      expect.objectContaining({ code: 'target-refused', message: expect.stringMatching(/is a Windows device path but not a whole disk/) }),
    );
  });
});
