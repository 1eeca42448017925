// The first-stage files the boot service serves by TFTP: iPXE builds from Debian's `ipxe` package,
// read once at start (a few hundred KB each). TFTP serves these names and nothing else: a request
// is looked up in this table, never joined to a directory path, so no name reaches another file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootError } from './errors';
import { ipxeBuildOf, type IpxeBuild } from './ipxe-build';

/** undionly.kpxe: BIOS PXE ROMs (uses the ROM's UNDI driver). ipxe.efi / snponly.efi: x64 UEFI. */
export const BOOT_FILE_NAMES = ['undionly.kpxe', 'ipxe.efi', 'snponly.efi'] as const;
export type BootFileName = (typeof BOOT_FILE_NAMES)[number];

export class BootFiles {
  private constructor(
    readonly dir: string,
    private readonly files: ReadonlyMap<BootFileName, Uint8Array>,
  ) {}

  /** Reads every file; a missing one stops the start with the package to install. */
  static load(dir: string): BootFiles {
    const files = new Map<BootFileName, Uint8Array>();
    const missing: string[] = [];
    for (const name of BOOT_FILE_NAMES) {
      try {
        files.set(name, readFileSync(join(dir, name)));
      } catch {
        missing.push(name);
      }
    }
    if (missing.length > 0) {
      throw new BootError('DP_BOOT_FILES_MISSING', `--boot needs ${missing.join(', ')} in ${dir}: install Debian's ipxe package (apt-get install ipxe) or give --ipxe-dir`, { dir, missing, package: 'ipxe' });
    }
    return new BootFiles(dir, files);
  }

  /** For tests: files given in memory. */
  static of(entries: Readonly<Record<BootFileName, Uint8Array>>): BootFiles {
    return new BootFiles('(memory)', new Map(Object.entries(entries) as Array<[BootFileName, Uint8Array]>));
  }

  /** The iPXE build a file was made from, when it names one (ipxe-build.ts). */
  build(name: BootFileName): IpxeBuild | undefined {
    const bytes = this.files.get(name);
    return bytes ? ipxeBuildOf(bytes) : undefined;
  }

  /** Every file's iPXE version, for the start's log line. */
  builds(): Record<string, string | null> {
    return Object.fromEntries(BOOT_FILE_NAMES.map((n) => [n, this.build(n)?.version ?? null]));
  }

  /**
   * The file a TFTP read request names, or undefined (refused). Firmware sends the name as given
   * in the offer, some with a leading `/`; only that one spelling is forgiven.
   */
  lookup(requested: string): { name: BootFileName; bytes: Uint8Array } | undefined {
    const name = requested.startsWith('/') ? requested.slice(1) : requested;
    const known = BOOT_FILE_NAMES.find((n) => n === name);
    const bytes = known ? this.files.get(known) : undefined;
    return known && bytes ? { name: known, bytes } : undefined;
  }
}
