import { CastpointError } from '@castpoint/wire';

/**
 * Typed error codes of the network boot service, with one sentence each and the HTTP status each
 * answers; ../errors.ts merges them into the DP's one table. Documented in docs/netboot.md.
 */
export const BOOT_ERROR_CODES = {
  DP_BOOT_FILES_MISSING: "The iPXE files the boot service serves by TFTP are missing: install Debian's ipxe package (or point --ipxe-dir at them).",
  DP_BOOT_SOCKET: 'The boot service cannot bind one of its UDP ports (67, 4011 or 69): in use by another DHCP/TFTP server, or not permitted.',
  DP_BOOTENV_MISSING: 'The boot environment (vmlinuz, initrd.img) is not in the bootenv directory: build it with `castpoint-dp bootenv build`.',
  DP_BOOT_TOKEN: 'The boot token is malformed, forged, expired, or presented for another machine than it was issued to.',
} as const;

export type BootErrorCode = keyof typeof BOOT_ERROR_CODES;

export const BOOT_ERROR_STATUS: Record<BootErrorCode, number> = {
  DP_BOOT_FILES_MISSING: 500,
  DP_BOOT_SOCKET: 500,
  DP_BOOTENV_MISSING: 503,
  DP_BOOT_TOKEN: 403,
};

export class BootError<D = unknown> extends CastpointError<BootErrorCode, D> {
  constructor(code: BootErrorCode, message: string, data?: D, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'BootError';
  }
}
