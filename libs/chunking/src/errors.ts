import { CastpointError } from '@castpoint/wire';

/**
 * Every error code of @castpoint/chunking with one sentence each. The apps map codes to exit codes
 * and HTTP statuses; messages are written for the technician in front of the machine.
 */
export const CHUNKING_ERROR_CODES = {
  CHUNKING_BAD_OPTION: 'An option is out of range (chunk size, symbol size, block symbols, cache size).',
  CHUNKING_IMAGE_UNREADABLE: 'The image file could not be opened, read or is not a regular file.',
  CHUNKING_IMAGE_CHANGED: 'The image file changed since it was imported (size, modification time or sampled chunk hashes differ).',
  CHUNKING_MANIFEST_INVALID: 'A manifest (for example one received over the network) is malformed or inconsistent.',
  CHUNKING_CHUNK_OUT_OF_RANGE: 'A chunk, block, symbol or byte range index lies outside the image.',
  CHUNKING_CHUNK_LENGTH_MISMATCH: 'Chunk data handed to the writer does not have the chunk\'s length.',
  CHUNKING_CHUNK_HASH_MISMATCH: 'Chunk data does not match the SHA-256 listed in the manifest; nothing was written.',
  CHUNKING_TARGET_IS_DIRECTORY: 'The target path is a directory, not a file or a disk.',
  CHUNKING_TARGET_PARENT_MISSING: 'The folder that should hold the target file does not exist.',
  CHUNKING_TARGET_UNSUPPORTED_TYPE: 'The target is neither a regular file nor a block device (for example a character device or a pipe).',
  CHUNKING_TARGET_DEVICE_NOT_ALLOWED: 'The target is a disk or partition but writing to devices was not allowed by the caller.',
  CHUNKING_TARGET_DEVICE_UNSUPPORTED: 'Writing to raw devices is not supported on this operating system yet.',
  CHUNKING_TARGET_TOO_SMALL: 'The target disk or partition is smaller than the image.',
  CHUNKING_TARGET_MOUNTED: 'The target, one of its partitions or a device built on it holds a mounted filesystem.',
  CHUNKING_TARGET_IN_USE: 'The target is in use: active swap, held by a device mapper / RAID / LVM device, or opened exclusively by the kernel.',
  CHUNKING_TARGET_NOT_WRITABLE: 'The target cannot be opened for writing (permissions, read-only filesystem or medium).',
  CHUNKING_TARGET_PROBE_FAILED: 'The safety checks could not read the system facts they need (mountinfo, sysfs), so writing is refused.',
  CHUNKING_STATE_DIR_REQUIRED: 'A state directory is needed for the resume journal of a device target and none was given.',
  CHUNKING_JOURNAL_IO: 'The resume journal could not be written or synced.',
  CHUNKING_WRITE_FAILED: 'Writing or syncing chunk data to the target failed.',
  CHUNKING_WRITER_CLOSED: 'The writer or chunk source is closed (or failed earlier) and cannot be used any more.',
  CHUNKING_INCOMPLETE: 'Finishing was asked for while some chunks of the image are not written yet.',
  CHUNKING_DIR_IN_USE: 'A state directory is locked by another live process (its pid is in the data).',
  CHUNKING_DIR_UNUSABLE: 'A state directory cannot be created or its lock file written.',
} as const;

export type ChunkingErrorCode = keyof typeof CHUNKING_ERROR_CODES;

/** Facts of a chunking error; every field is optional because not every code has each. */
export interface ChunkingErrorData {
  readonly path?: string;
  readonly chunk?: number;
  readonly index?: number;
  readonly expected?: string | number;
  readonly actual?: string | number;
  readonly field?: string;
  /** The OS error code (`ENOENT`, `EROFS`, ...) when one caused this error. */
  readonly errno?: string;
  /** For mount refusals: the device (major:minor) and where it is mounted. */
  readonly device?: string;
  readonly mountPoint?: string;
  readonly missing?: number;
}

export class ChunkingError extends CastpointError<ChunkingErrorCode, ChunkingErrorData> {
  constructor(code: ChunkingErrorCode, message: string, data: ChunkingErrorData = {}, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.name = 'ChunkingError';
  }
}

/** The OS errno string of a Node system error, if it has one. */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/** Wraps any thrown value as a ChunkingError of `code`, keeping it as the cause. */
export function asChunkingError(code: ChunkingErrorCode, what: string, err: unknown, data: ChunkingErrorData = {}): ChunkingError {
  if (err instanceof ChunkingError) return err;
  const errno = errnoOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new ChunkingError(code, `${what}: ${detail}`, errno === undefined ? data : { ...data, errno }, { cause: err });
}
