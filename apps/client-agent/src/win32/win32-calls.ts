// The handful of kernel32 calls the raw-disk layer makes, as an interface: kernel32.ts implements
// it with koffi, the specs with an in-memory machine (fake-win32.ts). Calls that only ask
// (CreateFileW, DeviceIoControl, the volume list) are synchronous, so GetLastError is read on the
// same thread; data transfers run on koffi's worker threads so the event loop keeps receiving.

/** A Win32 HANDLE as koffi returns an intptr_t. */
export type Win32Handle = number | bigint;

/** How a path is opened (CreateFileW's access, sharing and flags). */
export type OpenMode =
  /** No data access: IOCTLs that only ask (size, device number, extents). */
  | 'query'
  /** Read, shared: IOCTL_DISK_GET_LENGTH_INFO asks FILE_READ_ACCESS. */
  | 'read'
  /** Read and write, shared: a volume to lock and dismount. */
  | 'volume'
  /** Read and write, FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH: the disk being written. */
  | 'disk-write';

/** A failed call with GetLastError's code (0 when it could not be read, after a worker-thread call). */
export class Win32CallError extends Error {
  constructor(
    readonly call: string,
    readonly win32Code: number,
    what: string,
  ) {
    super(`${call}(${what}) failed${win32Code === 0 ? '' : ` with Win32 error ${win32Code}`}`);
    this.name = 'Win32CallError';
  }
}

export interface Win32Calls {
  /** CreateFileW with OPEN_EXISTING; throws Win32CallError. */
  open(path: string, mode: OpenMode): Win32Handle;
  close(handle: Win32Handle): void;
  /** DeviceIoControl; returns the bytes the call wrote; throws Win32CallError. */
  ioctl(handle: Win32Handle, code: number, input: Uint8Array | null, outSize: number): Uint8Array;
  /** ReadFile at `offset` (OVERLAPPED on a synchronous handle); the bytes read. */
  readAt(handle: Win32Handle, data: Uint8Array, offset: number): Promise<number>;
  /** WriteFile at `offset`; the bytes written. */
  writeAt(handle: Win32Handle, data: Uint8Array, offset: number): Promise<number>;
  /** FlushFileBuffers. */
  flush(handle: Win32Handle): Promise<void>;
  /** FindFirstVolumeW / FindNextVolumeW: `\\?\Volume{GUID}\` names. */
  volumeNames(): string[];
  /** GetVolumePathNamesForVolumeNameW: `C:\`, mount folders. */
  volumePaths(volumeName: string): string[];
  /** GetSystemDirectoryW (`C:\Windows\System32`; `X:\Windows\System32` in WinPE). */
  systemDirectory(): string;
  /** GetFileAttributesW succeeds. */
  exists(path: string): boolean;
  /** GetSystemFirmwareTable(provider, id): the table's bytes, or undefined where there is none. */
  firmwareTable(provider: string, id: number): Uint8Array | undefined;
}
