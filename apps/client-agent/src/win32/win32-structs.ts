// The Win32 structures the raw-disk layer exchanges with DeviceIoControl, as pure encoders and
// decoders over bytes (x64 layout, little-endian): koffi passes Buffers straight through, so every
// layout decision lives here and is table-tested against bytes Windows (and wine) returned.

/** Control codes (winioctl.h): CTL_CODE(device, function, method, access). */
export const IOCTL = {
  DISK_GET_LENGTH_INFO: 0x0007405c,
  DISK_GET_DRIVE_GEOMETRY_EX: 0x000700a0,
  STORAGE_GET_DEVICE_NUMBER: 0x002d1080,
  STORAGE_QUERY_PROPERTY: 0x002d1400,
  VOLUME_GET_VOLUME_DISK_EXTENTS: 0x00560000,
  FSCTL_LOCK_VOLUME: 0x00090018,
  FSCTL_DISMOUNT_VOLUME: 0x00090020,
} as const;

/** STORAGE_DEVICE_NUMBER.DeviceType of a disk (FILE_DEVICE_DISK). */
export const FILE_DEVICE_DISK = 7;

/** GetLastError values the layer turns into plain sentences. */
export const WIN32_ERROR = {
  FILE_NOT_FOUND: 2,
  PATH_NOT_FOUND: 3,
  ACCESS_DENIED: 5,
  INVALID_FUNCTION: 1,
  NOT_SUPPORTED: 50,
  SHARING_VIOLATION: 32,
  LOCK_VIOLATION: 33,
  NOT_READY: 21,
} as const;

export class Win32StructError extends Error {
  constructor(
    readonly struct: string,
    message: string,
  ) {
    super(`${struct}: ${message}`);
    this.name = 'Win32StructError';
  }
}

function need(bytes: Uint8Array, size: number, struct: string): DataView {
  if (bytes.length < size) throw new Win32StructError(struct, `${bytes.length} bytes returned, at least ${size} expected`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(view: DataView, offset: number, struct: string): number {
  const v = view.getBigUint64(offset, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Win32StructError(struct, `64-bit field at ${offset} is out of range (${v})`);
  return Number(v);
}

/** GET_LENGTH_INFORMATION: the disk's size in bytes. */
export function decodeLengthInfo(bytes: Uint8Array): number {
  return u64(need(bytes, 8, 'GET_LENGTH_INFORMATION'), 0, 'GET_LENGTH_INFORMATION');
}

export interface DriveGeometry {
  readonly bytesPerSector: number;
  readonly diskSize: number;
}

/** DISK_GEOMETRY_EX: DISK_GEOMETRY (24 bytes, BytesPerSector at 20), then DiskSize at 24. */
export function decodeGeometryEx(bytes: Uint8Array): DriveGeometry {
  const view = need(bytes, 32, 'DISK_GEOMETRY_EX');
  const bytesPerSector = view.getUint32(20, true);
  if (bytesPerSector < 512 || (bytesPerSector & (bytesPerSector - 1)) !== 0) {
    throw new Win32StructError('DISK_GEOMETRY_EX', `BytesPerSector ${bytesPerSector} is not a power of two of at least 512`);
  }
  return { bytesPerSector, diskSize: u64(view, 24, 'DISK_GEOMETRY_EX') };
}

export interface DeviceNumber {
  readonly deviceType: number;
  readonly deviceNumber: number;
  readonly partitionNumber: number;
}

/** STORAGE_DEVICE_NUMBER: three DWORDs. */
export function decodeDeviceNumber(bytes: Uint8Array): DeviceNumber {
  const view = need(bytes, 12, 'STORAGE_DEVICE_NUMBER');
  return { deviceType: view.getUint32(0, true), deviceNumber: view.getUint32(4, true), partitionNumber: view.getUint32(8, true) };
}

export interface DiskExtent {
  readonly disk: number;
  readonly start: number;
  readonly length: number;
}

/** VOLUME_DISK_EXTENTS: a DWORD count, padding, then 24-byte DISK_EXTENTs (DiskNumber, start, length). */
export function decodeDiskExtents(bytes: Uint8Array): DiskExtent[] {
  const view = need(bytes, 8, 'VOLUME_DISK_EXTENTS');
  const count = view.getUint32(0, true);
  need(bytes, 8 + count * 24, 'VOLUME_DISK_EXTENTS');
  const out: DiskExtent[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * 24;
    out.push({ disk: view.getUint32(at, true), start: u64(view, at + 8, 'DISK_EXTENT'), length: u64(view, at + 16, 'DISK_EXTENT') });
  }
  return out;
}

/** Room for this many extents in a VOLUME_DISK_EXTENTS output buffer (a spanned volume has several). */
export const DISK_EXTENTS_OUT_SIZE = 8 + 32 * 24;

/** STORAGE_PROPERTY_QUERY for StorageDeviceProperty, PropertyStandardQuery. */
export function encodeDevicePropertyQuery(): Uint8Array {
  return new Uint8Array(12);
}

export interface DeviceDescriptor {
  readonly vendor: string;
  readonly product: string;
  readonly serial: string;
  readonly removable: boolean;
  /** STORAGE_BUS_TYPE (7 = USB, 11 = SATA, 17 = NVMe). */
  readonly busType: number;
}

function asciiAt(bytes: Uint8Array, offset: number): string {
  if (offset === 0 || offset >= bytes.length) return '';
  let end = offset;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(offset, end)).toString('latin1').trim();
}

/** STORAGE_DEVICE_DESCRIPTOR: offsets (0 = absent) of NUL-terminated ASCII strings in the same buffer. */
export function decodeDeviceDescriptor(bytes: Uint8Array): DeviceDescriptor {
  const view = need(bytes, 36, 'STORAGE_DEVICE_DESCRIPTOR');
  return {
    vendor: asciiAt(bytes, view.getUint32(12, true)),
    product: asciiAt(bytes, view.getUint32(16, true)),
    serial: asciiAt(bytes, view.getUint32(24, true)),
    removable: view.getUint8(10) !== 0,
    busType: view.getUint32(28, true),
  };
}

/** OVERLAPPED with only the file offset set: positional I/O on a synchronous handle. */
export function encodeOverlapped(offset: number): Buffer {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset} must be a non-negative safe integer`);
  const ov = Buffer.alloc(32);
  ov.writeUInt32LE(offset % 2 ** 32, 16);
  ov.writeUInt32LE(Math.floor(offset / 2 ** 32), 20);
  return ov;
}

/** A UTF-16 string up to its first NUL (Win32 output buffers). */
export function utf16z(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
  const end = s.indexOf('\0');
  return end < 0 ? s : s.slice(0, end);
}

/** A REG_MULTI_SZ-style list (GetVolumePathNamesForVolumeNameW): strings separated by NUL, ended by two. */
export function utf16MultiZ(bytes: Uint8Array): string[] {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
  const end = s.indexOf('\0\0');
  return (end < 0 ? s : s.slice(0, end)).split('\0').filter((x) => x.length > 0);
}
