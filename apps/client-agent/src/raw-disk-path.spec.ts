// Windows device paths are refused by name on every platform (the check never touches the disk).
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
  ])('%s is refused with target-refused (exit 5) before anything else', (target) => {
    expect(isWindowsDevicePath(target)).toBe(true);
    let err: unknown;
    try {
      validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target }, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'target-refused', data: { target: target.trim() } });
    expect(exitCodeOf(err as AgentError)).toBe(EXIT.targetRefused);
    expect((err as Error).message).toMatch(/is a Windows device path .*not supported yet/);
  });

  it.each(['D:\\images\\disk.img', '\\\\server\\share\\disk.img', '//server/share/disk.img', '/dev/sda', 'out/disk.img', '.\\disk.img', './disk.img'])(
    '%s is not a device path',
    (target) => {
      expect(isWindowsDevicePath(target)).toBe(false);
      expect(() => validateDeployOptions({ server: 'http://10.0.0.5:8080', image: 'win11', target }, ctx)).not.toThrow();
    },
  );
});
