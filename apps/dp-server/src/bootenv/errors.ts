import { CastpointError } from '@castpoint/wire';

/**
 * Typed error codes of `castpoint-dp bootenv build`, with one sentence each. The builder runs from
 * the command line only (no API route), so these codes have no HTTP status.
 */
export const BOOTENV_ERROR_CODES = {
  BOOTENV_TOOL_MISSING: 'A program the build needs (apt-get, dpkg-deb, cpio, busybox) is not installed; the data names its Debian package.',
  BOOTENV_PACKAGE: 'A Debian package cannot be found or downloaded (apt-get update not run, or no network).',
  BOOTENV_MODULE_MISSING: "A driver module the boot environment needs is not in the kernel package's modules.dep.",
  BOOTENV_AGENT_MISSING: 'The castpoint-agent linux-x64 executable is missing: build it with npm run package (or give --agent).',
  BOOTENV_COMMAND: 'A command of the build failed (the command and its output are in the message).',
} as const;

export type BootenvErrorCode = keyof typeof BOOTENV_ERROR_CODES;

export class BootenvError<D = unknown> extends CastpointError<BootenvErrorCode, D> {
  constructor(code: BootenvErrorCode, message: string, data?: D) {
    super(code, message, data);
    this.name = 'BootenvError';
  }
}
