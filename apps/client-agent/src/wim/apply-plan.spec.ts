// The Linux path's plan as a table: every command and argument for a 512-byte and a 4Kn disk.
import { diskBytesNeeded, gptLayout, lastUsableSector, planWimApply, windowsBytesNeeded, type WimStep } from './apply-plan';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const argvOf = (steps: readonly WimStep[]): string[] => steps.map((s) => (s.kind === 'run' ? s.argv.join(' ') : `attach ${s.part} @${s.offset}+${s.size}`));

describe('gptLayout', () => {
  it.each([
    // disk, sector size, [ESP first..last], [MSR first..last], [Windows first..last]
    ['512-byte sectors, 64 GiB', 64 * GiB, 512, [2048, 534527], [534528, 567295], [567296, 134217694]],
    ['4Kn, 64 GiB', 64 * GiB, 4096, [256, 66815], [66816, 70911], [70912, 16777210]],
    ['512-byte sectors, 400 MiB', 400 * MiB, 512, [2048, 534527], [534528, 567295], [567296, 819166]],
  ])('%s', (_what, size, ss, esp, msr, win) => {
    const parts = gptLayout({ sizeBytes: size, sectorSize: ss });
    expect(parts.map((p) => [p.name, p.number, p.typeCode, [p.firstSector, p.lastSector]])).toEqual([
      ['esp', 1, 'ef00', esp],
      ['msr', 2, '0c01', msr],
      ['windows', 3, '0700', win],
    ]);
    // ESP 260 MiB and MSR 16 MiB exactly, each starting on a MiB boundary.
    const mib = (p: { firstSector: number; lastSector: number } | undefined): number => (p ? ((p.lastSector - p.firstSector + 1) * ss) / MiB : NaN);
    expect(mib(parts[0])).toBe(260);
    expect(mib(parts[1])).toBe(16);
    for (const p of parts) expect((p.firstSector * ss) % MiB).toBe(0);
  });

  it('leaves the backup GPT (header + 16 KiB of entries) free at the end, as sgdisk does', () => {
    // 400 MiB: sgdisk -p says the last usable sector is 819166 (measured with gdisk 1.0.9).
    expect(lastUsableSector({ sizeBytes: 400 * MiB, sectorSize: 512 })).toBe(819166);
  });
});

describe('the size a WIM needs', () => {
  it.each([
    [0, 64 * MiB, 1 * MiB + 260 * MiB + 16 * MiB + 64 * MiB + 512 + 16384],
    [10 * GiB, Math.ceil(11 * GiB) + 64 * MiB, 1 * MiB + 260 * MiB + 16 * MiB + Math.ceil(11 * GiB) + 64 * MiB + 512 + 16384],
  ])('%d bytes of files need %d on NTFS and %d of disk', (total, ntfs, disk) => {
    expect(windowsBytesNeeded(total)).toBe(ntfs);
    expect(diskBytesNeeded(total, 512)).toBe(disk);
  });
});

describe('planWimApply', () => {
  it('lays out GPT, formats ESP and NTFS (-p = the partition start), applies the image and fills the ESP', () => {
    const plan = planWimApply({ disk: '/dev/sda', geometry: { sizeBytes: 64 * GiB, sectorSize: 512 }, wim: '/stage/a.wim', index: 2, scratchDir: '/tmp/boot' });
    expect(argvOf(plan.steps)).toEqual([
      'sgdisk --zap-all /dev/sda',
      'sgdisk --clear --new=1:2048:534527 --typecode=1:ef00 --change-name=1:EFI system partition --new=2:534528:567295 --typecode=2:0c01 --change-name=2:Microsoft reserved partition --new=3:567296:134217694 --typecode=3:0700 --change-name=3:Windows /dev/sda',
      `attach esp @${2048 * 512}+${260 * MiB}`,
      `attach windows @${567296 * 512}+${(134217694 - 567296 + 1) * 512}`,
      'mkfs.vfat -F 32 -S 512 -n SYSTEM $esp',
      'mkntfs --fast --quiet -L Windows -s 512 -p 567296 -H 255 -S 63 $windows',
      'wimlib-imagex apply /stage/a.wim 2 $windows',
      'wimlib-imagex extract /stage/a.wim 2 /Windows/Boot/EFI --dest-dir=/tmp/boot --no-acls',
      'mmd -i $esp ::/EFI ::/EFI/Microsoft ::/EFI/Boot',
      'mcopy -s -i $esp /tmp/boot/EFI ::/EFI/Microsoft/Boot',
      'mcopy -i $esp /tmp/boot/EFI/bootmgfw.efi ::/EFI/Boot/bootx64.efi',
    ]);
  });

  it('on a 4Kn disk: 4096-byte sectors for both file systems and -p in 4 KiB sectors', () => {
    const plan = planWimApply({ disk: '/dev/nvme0n1', geometry: { sizeBytes: 64 * GiB, sectorSize: 4096 }, wim: '/s.wim', index: 1, scratchDir: '/t' });
    const a = argvOf(plan.steps);
    expect(a).toContain('mkfs.vfat -F 32 -S 4096 -n SYSTEM $esp');
    expect(a).toContain('mkntfs --fast --quiet -L Windows -s 4096 -p 70912 -H 255 -S 63 $windows');
    expect(a).toContain(`attach windows @${70912 * 4096}+${(16777210 - 70912 + 1) * 4096}`);
  });
});
