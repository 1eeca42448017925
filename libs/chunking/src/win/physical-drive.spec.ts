// preparePhysicalDrive against a fake Win32 layer: each refusal before a byte, the locks taken and
// given back, and the lock that fails releasing the ones taken before it.
import { paddedLength, physicalDriveNumber, preparePhysicalDrive, type Win32DiskApi, type Win32Volume } from './physical-drive';

const GiB = 1024 ** 3;
const vol = (name: string, ...letters: string[]): Win32Volume => ({ name: `\\\\?\\Volume{${name}}\\`, letters });

function fakeWin(o: { size?: number; volumes?: Win32Volume[]; refuse?: string; protectedDisks?: [number, string][] } = {}): Win32DiskApi & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    diskLength: () => Promise.resolve(o.size ?? 64 * GiB),
    sectorSize: () => Promise.resolve(512),
    volumesOn: () => Promise.resolve(o.volumes ?? [vol('a', 'C'), vol('b')]),
    protectedDisks: () => Promise.resolve(new Map(o.protectedDisks ?? [[0, 'X: (the WinPE boot media)']])),
    lockAndDismount: (v) => {
      log.push(`lock ${v.name}`);
      return Promise.resolve(v.name !== o.refuse);
    },
    unlock: (v) => Promise.resolve(void log.push(`unlock ${v.name}`)),
  };
}

describe('physicalDriveNumber', () => {
  it.each([
    ['\\\\.\\PhysicalDrive0', 0],
    ['\\\\.\\physicaldrive12', 12],
    ['\\\\?\\PhysicalDrive3', 3],
    ['\\\\.\\C:', undefined],
    ['\\\\.\\PhysicalDrive', undefined],
    ['C:\\image.img', undefined],
  ])('%s -> %s', (path, n) => {
    expect(physicalDriveNumber(path)).toBe(n);
  });
});

describe('preparePhysicalDrive', () => {
  it('locks and dismounts every volume of the disk and gives them back in reverse', async () => {
    const win = fakeWin();
    const d = await preparePhysicalDrive('\\\\.\\PhysicalDrive1', 10 * GiB, win);
    expect(d).toMatchObject({ disk: 1, sizeBytes: 64 * GiB, sectorSize: 512 });
    await d.release();
    expect(win.log).toEqual(['lock \\\\?\\Volume{a}\\', 'lock \\\\?\\Volume{b}\\', 'unlock \\\\?\\Volume{b}\\', 'unlock \\\\?\\Volume{a}\\']);
  });

  it('refuses a path that is no physical drive', async () => {
    await expect(preparePhysicalDrive('\\\\.\\C:', 1, fakeWin())).rejects.toMatchObject({ code: 'CHUNKING_TARGET_UNSUPPORTED_TYPE' });
  });

  it('refuses the WinPE boot disk and the running system’s disk, touching no volume', async () => {
    const win = fakeWin({ protectedDisks: [[0, 'X: (the WinPE boot media)'], [2, 'C:\\Windows (the running system)']] });
    await expect(preparePhysicalDrive('\\\\.\\PhysicalDrive0', 1, win)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_MOUNTED', data: { mountPoint: 'X: (the WinPE boot media)' } });
    await expect(preparePhysicalDrive('\\\\.\\PhysicalDrive2', 1, win)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_MOUNTED', message: '\\\\.\\PhysicalDrive2 holds C:\\Windows (the running system): the running system is never written' });
    expect(win.log).toEqual([]);
  });

  it('refuses a disk smaller than the image before any lock', async () => {
    const win = fakeWin({ size: 8 * GiB });
    await expect(preparePhysicalDrive('\\\\.\\PhysicalDrive1', 10 * GiB, win)).rejects.toMatchObject({ code: 'CHUNKING_TARGET_TOO_SMALL', data: { expected: 10 * GiB, actual: 8 * GiB } });
    expect(win.log).toEqual([]);
  });

  it('refuses when a volume cannot be locked, and releases the ones already locked', async () => {
    const win = fakeWin({ volumes: [vol('a', 'D'), vol('b', 'E', 'F'), vol('c')], refuse: '\\\\?\\Volume{b}\\' });
    await expect(preparePhysicalDrive('\\\\.\\PhysicalDrive1', 1, win)).rejects.toMatchObject({
      code: 'CHUNKING_TARGET_IN_USE',
      message: '\\\\.\\PhysicalDrive1: the volume E:, F: cannot be locked (files are open on it): close them or take it offline, then run again',
    });
    expect(win.log).toEqual(['lock \\\\?\\Volume{a}\\', 'lock \\\\?\\Volume{b}\\', 'unlock \\\\?\\Volume{a}\\']);
  });
});

describe('paddedLength', () => {
  it.each([
    [1_048_576, 512, 1_048_576],
    [1000, 512, 1024],
    [1000, 4096, 4096],
    [0, 512, 0],
  ])('%d bytes on %d-byte sectors -> %d', (len, ss, out) => {
    expect(paddedLength(len, ss)).toBe(out);
  });
});
