// \\.\PhysicalDriveN through the image writer against the fake Win32 machine: every refusal comes
// before a byte is written (and gives back what it locked), and a write lands whole sectors only,
// keeps the disk's bytes past the image, holds the volume locks until the writer closes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTarget, type ChunkingError } from '@castpoint/chunking';
import { makeImage } from '../testing/image';
import { FakeWin32, type FakeDisk, type FakeVolume } from './fake-win32';
import { physicalDriveTarget } from './physical-drive-target';

const MiB = 1024 * 1024;
const disk = (size: number, o: Partial<FakeDisk> = {}): FakeDisk => ({ bytes: new Uint8Array(size).fill(0xee), ...o });
const SYSTEM: FakeVolume = { guid: 'sys', disks: [0], letter: 'C' };

function machine(o: { disks?: [number, FakeDisk][]; volumes?: FakeVolume[]; systemDir?: string } = {}): FakeWin32 {
  return new FakeWin32(new Map(o.disks ?? [[0, disk(64 * MiB)], [1, disk(16 * MiB)]]), o.volumes ?? [SYSTEM, { guid: 'data', disks: [1], letter: 'D' }, { guid: 'recovery', disks: [1] }], o.systemDir);
}

const image = makeImage(27, MiB, 3, [1], MiB / 2 + 1000);

async function deployTo(win: FakeWin32, target: string, img = image): Promise<void> {
  const t = physicalDriveTarget(win);
  await t.precheck(target);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'cp-win32-'));
  const w = await openTarget(target, img.manifest, { stateDir, allowDevice: true, ...t.writerOptions });
  for (let c = 0; c < w.chunkCount; c++) if (!img.manifest.zeroChunks.includes(c)) await w.writeChunk(c, img.bytes.subarray(c * MiB, Math.min(img.bytes.length, (c + 1) * MiB)));
  await w.finish();
}

async function refusal(win: FakeWin32, target: string, img = image): Promise<ChunkingError> {
  const err = await deployTo(win, target, img).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) throw new Error(`${target} was not refused`);
  return err as ChunkingError;
}

const writes = (win: FakeWin32): string[] => win.log.filter((l) => l.startsWith('write'));

describe('\\\\.\\PhysicalDriveN through the Win32 writer', () => {
  it('writes the image in whole sectors, keeps the bytes past it, and holds the volume locks until closed', async () => {
    const win = machine();
    await deployTo(win, '\\\\.\\PhysicalDrive1');
    const bytes = win.disks.get(1)?.bytes ?? new Uint8Array();
    expect(Buffer.from(bytes.subarray(0, image.bytes.length)).equals(Buffer.from(image.bytes))).toBe(true);
    expect(bytes.subarray(image.bytes.length, 4 * MiB).every((b) => b === 0xee)).toBe(true);
    // Both volumes of disk 1 locked and dismounted before the first write, unlocked after the last.
    const firstWrite = win.log.findIndex((l) => l.startsWith('write'));
    expect(win.log.slice(0, firstWrite)).toEqual(expect.arrayContaining(['lock data', 'dismount data', 'lock recovery', 'dismount recovery']));
    const unlocks = win.log.map((l, i) => (l.startsWith('unlock') ? i : -1)).filter((i) => i >= 0);
    expect(unlocks).toHaveLength(2);
    expect(Math.min(...unlocks)).toBeGreaterThan(win.log.lastIndexOf(writes(win).at(-1) ?? ''));
    expect(win.log).toContain('flush \\\\.\\PhysicalDrive1');
    expect(win.openHandles()).toEqual([]);
  });

  it('finds the size by reading when the disk answers no size IOCTL (as under wine)', async () => {
    const win = machine({ disks: [[0, disk(MiB)], [1, disk(5 * MiB + 4096, { ioctls: false })]] });
    await deployTo(win, '\\\\.\\PhysicalDrive1');
    expect(Buffer.from(win.disks.get(1)?.bytes.subarray(0, image.bytes.length) ?? []).equals(Buffer.from(image.bytes))).toBe(true);
    const tooSmall = machine({ disks: [[0, disk(MiB)], [1, disk(2 * MiB + 512, { ioctls: false })]] });
    expect(await refusal(tooSmall, '\\\\.\\PhysicalDrive1')).toMatchObject({ code: 'CHUNKING_TARGET_TOO_SMALL', data: { actual: 2 * MiB + 512, expected: image.bytes.length } });
  });

  it.each<[string, () => FakeWin32, string, string, RegExp]>([
    ['the running Windows disk', () => machine(), '\\\\.\\PhysicalDrive0', 'CHUNKING_TARGET_MOUNTED', /PhysicalDrive0 holds C: \(the running Windows\)/],
    [
      "WinPE's boot media (sources\\boot.wim)",
      () => machine({ systemDir: 'X:\\Windows\\System32', volumes: [{ guid: 'ram', disks: [], letter: 'X', noExtents: {} }, { guid: 'usb', disks: [1], letter: 'E', files: ['sources\\boot.wim'] }] }),
      '\\\\.\\PhysicalDrive1',
      'CHUNKING_TARGET_MOUNTED',
      /PhysicalDrive1 holds E:\\ \(WinPE boot media: sources\\boot\.wim\)/,
    ],
    [
      'the system disk known only by its device number',
      () => machine({ volumes: [{ guid: 'sys', disks: [], letter: 'C', noExtents: { deviceNumber: 1 } }] }),
      '\\\\.\\PhysicalDrive1',
      'CHUNKING_TARGET_MOUNTED',
      /holds C: \(the running Windows\)/,
    ],
    [
      'any disk while the system disk cannot be told',
      () => machine({ volumes: [{ guid: 'sys', disks: [], letter: 'C', noExtents: {} }] }),
      '\\\\.\\PhysicalDrive1',
      'CHUNKING_TARGET_PROBE_FAILED',
      /cannot tell which disk holds C: \(the running Windows\)/,
    ],
    ['a disk that does not exist', () => machine(), '\\\\.\\PhysicalDrive7', 'CHUNKING_TARGET_UNSUPPORTED_TYPE', /there is no disk 7/],
    ['a volume, not a disk', () => machine(), '\\\\.\\D:', 'CHUNKING_TARGET_UNSUPPORTED_TYPE', /is not a disk path/],
    ['a disk smaller than the image', () => machine({ disks: [[0, disk(MiB)], [1, disk(2 * MiB)]] }), '\\\\.\\PhysicalDrive1', 'CHUNKING_TARGET_TOO_SMALL', /holds 2097152 bytes; the image needs/],
    [
      'a volume whose lock is refused',
      () => machine({ volumes: [SYSTEM, { guid: 'data', disks: [1], letter: 'D' }, { guid: 'busy', disks: [1], letter: 'F', busy: true }] }),
      '\\\\.\\PhysicalDrive1',
      'CHUNKING_TARGET_IN_USE',
      /the volume F: cannot be locked/,
    ],
  ])('refuses %s before a byte is written', async (_what, make, target, code, message) => {
    const win = make();
    const err = await refusal(win, target);
    expect(err).toMatchObject({ code });
    expect(err.message).toMatch(message);
    expect(writes(win)).toEqual([]);
    expect(win.log.filter((l) => l.includes('disk-write'))).toEqual([]);
    // Whatever was locked was given back.
    expect(win.locked.size).toBe(0);
    expect(win.openHandles()).toEqual([]);
  });
});
