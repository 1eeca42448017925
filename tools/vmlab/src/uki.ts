// A unified kernel image (UKI): systemd's EFI stub (Debian's systemd-boot-efi) with the kernel,
// its initramfs and its command line added as PE sections (.linux, .initrd, .cmdline). Firmware
// runs it as one EFI program: the UEFI test disk's \EFI\BOOT\BOOTX64.EFI. Chosen over GRUB EFI
// (grub-efi-amd64-bin + grub-mkstandalone from grub-common) because the stub is one small package
// with no dependencies and the result boots the same kernel and marker init as the BIOS disk; the
// sections are added with binutils' objcopy, placed after the stub's own sections as the stub's
// documentation describes.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** Where Debian's systemd-boot-efi puts the x86-64 stub. */
export const DEFAULT_EFI_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

export interface PeSection {
  readonly name: string;
  readonly size: bigint;
  readonly vma: bigint;
}

/**
 * The sections of `objdump -h FILE`: rows `Idx Name Size VMA LMA File-off Algn`, hex numbers;
 * the flag lines under each row are skipped.
 */
export function parseObjdumpSections(text: string): PeSection[] {
  const out: PeSection[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+\S+\s*$/i.exec(line);
    if (m?.[1] && m[2] && m[3]) out.push({ name: m[1], size: BigInt(`0x${m[2]}`), vma: BigInt(`0x${m[3]}`) });
  }
  return out;
}

/** `SectionAlignment` from `objdump -p FILE` (the PE optional header), hex. */
export function parseSectionAlignment(text: string): bigint {
  const m = /^SectionAlignment\s+([0-9a-f]+)\s*$/im.exec(text);
  if (!m?.[1]) throw new Error('objdump -p printed no SectionAlignment: not a PE file?');
  return BigInt(`0x${m[1]}`);
}

/**
 * Where each added section goes: one after another past the stub's last section, each start
 * aligned to the stub's section alignment (overlapping sections make the image unloadable).
 */
export function ukiSectionVmas(stub: readonly PeSection[], alignment: bigint, added: ReadonlyArray<{ name: string; size: bigint }>): Array<{ name: string; vma: bigint }> {
  if (stub.length === 0) throw new Error('the EFI stub has no sections');
  if (alignment <= 0n) throw new RangeError(`section alignment must be positive, got ${alignment}`);
  const up = (x: bigint): bigint => ((x + alignment - 1n) / alignment) * alignment;
  let next = up(stub.reduce((end, s) => (s.vma + s.size > end ? s.vma + s.size : end), 0n));
  return added.map((a) => {
    const vma = next;
    next = up(vma + a.size);
    return { name: a.name, vma };
  });
}

function tool(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed: ${e.stderr?.trim() || e.message}`);
  }
}

export interface UkiOptions {
  readonly out: string;
  /** systemd's linuxx64.efi.stub. */
  readonly stub: string;
  /** A kernel with an EFI stub (Debian's is). */
  readonly kernel: string;
  readonly initrd: string;
  /** The kernel's command line. */
  readonly cmdline: string;
  /** Where the command line is written for objcopy. @default `${out}.cmdline` */
  readonly cmdlineFile?: string;
}

/** Builds the UKI at `out` with objcopy; returns `out`. */
export function buildUki(opts: UkiOptions): string {
  const cmdlineFile = opts.cmdlineFile ?? `${opts.out}.cmdline`;
  // The stub hands the section to the kernel as it is: NUL-terminated, no newline.
  execFileSync('sh', ['-c', 'printf "%s\\0" "$1" > "$0"', cmdlineFile, opts.cmdline]);
  const stub = parseObjdumpSections(tool('objdump', ['-h', opts.stub]));
  const alignment = parseSectionAlignment(tool('objdump', ['-p', opts.stub]));
  const parts = [
    { name: '.cmdline', file: cmdlineFile },
    { name: '.linux', file: opts.kernel },
    { name: '.initrd', file: opts.initrd },
  ];
  const vmas = ukiSectionVmas(stub, alignment, parts.map((p) => ({ name: p.name, size: BigInt(statSync(p.file).size) })));
  const args = parts.flatMap((p, i) => ['--add-section', `${p.name}=${p.file}`, '--change-section-vma', `${p.name}=0x${(vmas[i]?.vma ?? 0n).toString(16)}`]);
  tool('objcopy', [...args, opts.stub, opts.out]);
  return opts.out;
}
