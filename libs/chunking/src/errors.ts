import { CastpointError, wrapAsCastpointError, type ErrorDataArgs } from '@castpoint/wire';


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
  CHUNKING_WIM_INVALID: 'A file given as a WIM is not a standard, whole WIM or lacks the image index asked for.',
} as const;

export type ChunkingErrorCode = keyof typeof CHUNKING_ERROR_CODES;

/** The file or device an error is about, and the OS errno (`ENOENT`, `EROFS`, ...) when one caused it. */
interface PathFacts {
  readonly path: string;
  readonly errno?: string;
}

/** What a comparison found: the expected and the actual value (sizes, times, hashes). */
interface Mismatch<T> {
  readonly expected: T;
  readonly actual: T;
}

/**
 * The facts each code carries (`err.data`). Narrow with {@link isChunkingError} to read them typed.
 * A new code needs a row here, or `CHUNKING_ERROR_CODES` and this map disagree and tsc fails.
 */
export interface ChunkingErrorDataByCode {
  CHUNKING_BAD_OPTION: { readonly field: string; readonly actual?: number };
  CHUNKING_IMAGE_UNREADABLE: PathFacts & { readonly chunk?: number };
  CHUNKING_IMAGE_CHANGED: { readonly path?: string; readonly chunk?: number } & Partial<Mismatch<string | number>>;
  CHUNKING_MANIFEST_INVALID: { readonly field?: string };
  /** `chunk` or `index` (a block or symbol) is outside `0..expected-1`. */
  CHUNKING_CHUNK_OUT_OF_RANGE: { readonly chunk?: number; readonly index?: number; readonly expected?: number };
  CHUNKING_CHUNK_LENGTH_MISMATCH: { readonly chunk: number } & Mismatch<number>;
  CHUNKING_CHUNK_HASH_MISMATCH: { readonly chunk: number } & Mismatch<string>;
  CHUNKING_TARGET_IS_DIRECTORY: PathFacts;
  CHUNKING_TARGET_PARENT_MISSING: PathFacts;
  CHUNKING_TARGET_UNSUPPORTED_TYPE: PathFacts;
  CHUNKING_TARGET_DEVICE_NOT_ALLOWED: PathFacts;
  CHUNKING_TARGET_DEVICE_UNSUPPORTED: PathFacts;
  /** Sizes in bytes: the image (`expected`) and the target's capacity (`actual`). */
  CHUNKING_TARGET_TOO_SMALL: PathFacts & Mismatch<number>;
  /** The device (major:minor) holding the mounted filesystem and where it is mounted. */
  CHUNKING_TARGET_MOUNTED: PathFacts & { readonly device: string; readonly mountPoint: string };
  CHUNKING_TARGET_IN_USE: PathFacts & { readonly device?: string };
  CHUNKING_TARGET_NOT_WRITABLE: PathFacts;
  CHUNKING_TARGET_PROBE_FAILED: PathFacts;
  CHUNKING_STATE_DIR_REQUIRED: PathFacts;
  CHUNKING_JOURNAL_IO: PathFacts;
  CHUNKING_WRITE_FAILED: PathFacts & { readonly chunk?: number };
  CHUNKING_WRITER_CLOSED: PathFacts;
  CHUNKING_INCOMPLETE: PathFacts & { readonly missing: number };
  /** `pid`: the live process holding the lock, when its lock file could be read. */
  CHUNKING_DIR_IN_USE: PathFacts & { readonly pid?: number };
  CHUNKING_DIR_UNUSABLE: PathFacts;
  CHUNKING_WIM_INVALID: PathFacts;
}

// Compile-time check that the documented codes and the data map list the same codes.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const _codesHaveData: SameKeys<typeof CHUNKING_ERROR_CODES, ChunkingErrorDataByCode> = true;

/** Facts of a chunking error of code `C`. */
export type ChunkingErrorData<C extends ChunkingErrorCode = ChunkingErrorCode> = ChunkingErrorDataByCode[C];

export class ChunkingError<C extends ChunkingErrorCode = ChunkingErrorCode> extends CastpointError<C, ChunkingErrorData<C>> {
  declare readonly data: ChunkingErrorData<C>;
  constructor(code: C, message: string, ...[data, options]: ErrorDataArgs<ChunkingErrorData<C>>) {
    // ErrorDataArgs lets `data` be left out only when every field of it is optional: {} is valid then.
    super(code, message, data ?? ({} as ChunkingErrorData<C>), options);
    this.name = 'ChunkingError';
  }
}

/** True for a ChunkingError (of `code`, when given), with `data` typed for that code. */
export function isChunkingError<C extends ChunkingErrorCode>(err: unknown, code: C): err is ChunkingError<C> {
  return err instanceof ChunkingError && err.code === code;
}

/** Wraps any thrown value as a ChunkingError of `code`, keeping it as the cause and its errno in the data. */
export function asChunkingError<C extends ChunkingErrorCode>(code: C, what: string, err: unknown, data: ChunkingErrorData<C>): ChunkingError {
  // The cast only restates the constructor's own argument list: tsc cannot resolve ErrorDataArgs for
  // a generic code, and `data` (plus errno, which every wrapped code allows) is that code's data.
  return wrapAsCastpointError(ChunkingError, what, err, (message, errno) =>
    new ChunkingError<C>(code, message, ...([errno === undefined ? data : { ...data, errno }, { cause: err }] as ErrorDataArgs<ChunkingErrorData<C>>)),
  );
}
