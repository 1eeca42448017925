// Which iPXE build a boot file is, read from the version its build embeds. It matters for UEFI:
// Debian 12's package (iPXE 1.0.0+git-20190125) answers the DP's `exit 1` with "Could not boot
// image", then never hands the machine back to the firmware (OVMF waited > 240 s with nothing
// on its console), so a UEFI machine left on network-first boot never reaches its disk. Debian
// 13's (1.21.1+git20250501) returns the failure, and OVMF goes on to the disk (84 s, of which
// ~59 s were OVMF's own HTTP boot timing out). Both measured in the VM lab (docs/netboot.md).

export interface IpxeBuild {
  /** As the build spells it, e.g. `1.0.0+git-20190125.36a4c85-5.1`. */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

// Newer builds carry an SBAT line (`ipxe,1,iPXE,ipxe.efi,VERSION,https://ipxe.org`); older ones
// only the bare version string: `1.0.0+git-...` (Debian) or `1.21.1+ (g1234a)` (upstream).
const SBAT = /ipxe,\d+,iPXE,[^,\0]*,(\d+\.\d+\.\d+[^,\0]*),/;
const BARE = /(?<![\d.])(\d{1,2}\.\d{1,3}\.\d{1,3}\+(?:git[-\w.+~]*|\s\(g[0-9a-f]+\)))/;

/** The iPXE build of a boot file, or undefined when it names none. */
export function ipxeBuildOf(bytes: Uint8Array): IpxeBuild | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const version = SBAT.exec(text)?.[1] ?? BARE.exec(text)?.[1];
  if (version === undefined) return undefined;
  const [major = 0, minor = 0] = version.split(/[.+]/).map(Number);
  return { version, major, minor };
}

/** Whether a UEFI machine gets back to its firmware's next boot entry after the DP's `exit 1`. */
export function exitHandsBackToUefi(build: IpxeBuild): boolean {
  return build.major > 1 || (build.major === 1 && build.minor >= 21);
}

/** The warning the boot service logs at start when UEFI machines would not get back to their disks. */
export function uefiExitWarning(file: string, build: IpxeBuild | undefined): string | undefined {
  if (build === undefined || exitHandsBackToUefi(build)) return undefined;
  return (
    `boot service: ${file} is iPXE ${build.version} (older than 1.21): under UEFI its exit does not hand the machine back to the firmware, ` +
    `so a UEFI machine on network-first boot with nothing to do stops instead of booting its disk. ` +
    `Set UEFI machines to boot their disk first and the network second (an empty disk still network-boots; castpoint-agent refresh sets BootNext for a re-image), ` +
    `or point --ipxe-dir at iPXE 1.21 or newer (Debian 13's ipxe package)`
  );
}
