import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTestDisk } from './test-disk';
import { DEFAULT_EFI_STUB, parseObjdumpSections } from './uki';

// The stub comes from Debian's systemd-boot-efi (tools/setup.sh); CI must have it.
const haveStub = existsSync(DEFAULT_EFI_STUB);
const maybe = haveStub || process.env['CI'] === 'true' ? describe : describe.skip;
if (!haveStub && process.env['CI'] !== 'true') process.stderr.write(`skipping the UEFI test disk: ${DEFAULT_EFI_STUB} is missing (Debian package systemd-boot-efi)\n`);

maybe('the UEFI test disk', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmlab-uefi-disk-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is an EFI system partition (MBR type 0xEF) holding a UKI at \\EFI\\BOOT\\BOOTX64.EFI with the kernel, initramfs and command line as sections', () => {
    // Any bytes do as the kernel here: the layout is checked, not booted (the VM test boots it).
    const kernel = path.join(dir, 'vmlinuz');
    writeFileSync(kernel, Buffer.alloc(300_000, 0x4b));
    const out = path.join(dir, 'disk.img');
    buildTestDisk({ out, kernel, marker: 'castpoint-vmlab-marker uefi', firmware: 'uefi', sizeMiB: 32 });
    const disk = readFileSync(out);
    expect(disk[446 + 4]).toBe(0xef);
    expect(disk.readUInt32LE(446 + 8)).toBe(2048);
    expect([disk[510], disk[511]]).toEqual([0x55, 0xaa]);

    const part = path.join(dir, 'part.img');
    writeFileSync(part, disk.subarray(2048 * 512));
    const efi = path.join(dir, 'BOOTX64.EFI');
    execFileSync('mcopy', ['-i', part, '::/EFI/BOOT/BOOTX64.EFI', efi]);
    const sections = parseObjdumpSections(execFileSync('objdump', ['-h', efi], { encoding: 'utf8' }));
    const byName = new Map(sections.map((s) => [s.name, s]));
    expect(byName.get('.linux')?.size).toBe(300_000n);
    expect(byName.get('.cmdline')?.size).toBe(BigInt('console=ttyS0 quiet panic=5'.length + 1));
    expect(byName.get('.initrd')?.size).toBeGreaterThan(100_000n);
    // No two sections overlap: firmware refuses (or corrupts) such an image.
    const sorted = [...sections].sort((a, b) => (a.vma < b.vma ? -1 : 1));
    sorted.slice(1).forEach((s, i) => expect(s.vma).toBeGreaterThanOrEqual((sorted[i]?.vma ?? 0n) + (sorted[i]?.size ?? 0n)));
  });
});
