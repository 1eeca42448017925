// The structures' decoders against bytes as Windows lays them out; the first rows are what wine
// 8.0 returned for its C: drive (probe run under wine, docs/preinstall.md).
import { decodeDeviceDescriptor, decodeDeviceNumber, decodeDiskExtents, decodeGeometryEx, decodeLengthInfo, encodeOverlapped, utf16MultiZ, utf16z, Win32StructError } from './win32-structs';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('Win32 structures', () => {
  it.each<[string, () => unknown, unknown]>([
    // wine, \\.\C: IOCTL_STORAGE_GET_DEVICE_NUMBER: FILE_DEVICE_DISK, disk 0, partition 1
    ['STORAGE_DEVICE_NUMBER (wine C:)', () => decodeDeviceNumber(hex('07000000 00000000 01000000')), { deviceType: 7, deviceNumber: 0, partitionNumber: 1 }],
    // wine, \\.\C: DISK_GEOMETRY_EX: 10000 cylinders, fixed media, 255 heads, 63 sectors, 512-byte sectors
    ['DISK_GEOMETRY_EX (wine C:)', () => decodeGeometryEx(hex('1027000000000000 0c000000 ff000000 3f000000 00020000 20a6261300000000')), { bytesPerSector: 512, diskSize: 0x1326a620 }],
    ['DISK_GEOMETRY_EX, 4K sectors', () => decodeGeometryEx(hex('0000000000000000 0c000000 00000000 00000000 00100000 0000000010000000')), { bytesPerSector: 4096, diskSize: 2 ** 36 }],
    ['GET_LENGTH_INFORMATION 64 GiB', () => decodeLengthInfo(hex('0000000010000000')), 64 * 2 ** 30],
    ['VOLUME_DISK_EXTENTS, none (wine C:)', () => decodeDiskExtents(hex('00000000 00000000')), []],
    [
      'VOLUME_DISK_EXTENTS, spanned over disks 1 and 3',
      () => decodeDiskExtents(hex('02000000 00000000  01000000 00000000 0000100000000000 0000000001000000  03000000 00000000 0000100000000000 0000000002000000')),
      [
        { disk: 1, start: 1048576, length: 2 ** 32 },
        { disk: 3, start: 1048576, length: 2 ** 33 },
      ],
    ],
    [
      'STORAGE_DEVICE_DESCRIPTOR with vendor, product, serial',
      () => {
        const b = Buffer.alloc(80);
        b.writeUInt32LE(1, 0);
        b.writeUInt32LE(80, 4);
        b.writeUInt8(1, 10);
        b.writeUInt32LE(40, 12);
        b.writeUInt32LE(48, 16);
        b.writeUInt32LE(0, 20);
        b.writeUInt32LE(64, 24);
        b.writeUInt32LE(7, 28);
        b.write('ACME\0', 40, 'latin1');
        b.write('Disk 2000 \0', 48, 'latin1');
        b.write(' SN123 \0', 64, 'latin1');
        return decodeDeviceDescriptor(b);
      },
      { vendor: 'ACME', product: 'Disk 2000', serial: 'SN123', removable: true, busType: 7 },
    ],
    ['OVERLAPPED at 6 GiB + 512', () => [...encodeOverlapped(6 * 2 ** 30 + 512).subarray(16, 24)], [0x00, 0x02, 0x00, 0x80, 0x01, 0, 0, 0]],
    ['UTF-16 to the first NUL', () => utf16z(Buffer.from('C:\\Windows\\System32\0junk', 'utf16le')), 'C:\\Windows\\System32'],
    ['a list of volume paths', () => utf16MultiZ(Buffer.from('D:\\\0C:\\mnt\\data\\\0\0\0\0', 'utf16le')), ['D:\\', 'C:\\mnt\\data\\']],
  ])('%s', (_name, decode, expected) => {
    expect(decode()).toEqual(expected);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a short STORAGE_DEVICE_NUMBER', () => decodeDeviceNumber(hex('0700')), /2 bytes returned, at least 12/],
    ['extents counted beyond the bytes returned', () => decodeDiskExtents(hex('05000000 00000000')), /VOLUME_DISK_EXTENTS: 8 bytes returned, at least 128/],
    ['a sector size that is not a power of two', () => decodeGeometryEx(hex('0000000000000000 0c000000 00000000 00000000 00030000 0000000000000000')), /BytesPerSector 768/],
    ['a length beyond 2^53', () => decodeLengthInfo(hex('ffffffffffffffff')), /out of range/],
  ])('refuses %s', (_name, decode, message) => {
    expect(decode).toThrow(Win32StructError);
    expect(decode).toThrow(message);
  });
});
