// Win32Calls through koffi: the real kernel32. Only loaded on Windows (and under wine); the rest of
// the layer is tested against fake-win32.ts. Handles are intptr_t, buffers are Buffers passed by
// pointer (koffi does not copy them, so an aligned buffer stays aligned for unbuffered I/O).
import { loadKoffi } from './koffi-native';
import { Win32CallError, type OpenMode, type Win32Calls, type Win32Handle } from './win32-calls';
import { encodeOverlapped, utf16MultiZ, utf16z } from './win32-structs';

const GENERIC_READ = 0x80000000;
const GENERIC_WRITE = 0x40000000;
const FILE_SHARE_READ = 1;
const FILE_SHARE_WRITE = 2;
const OPEN_EXISTING = 3;
const FILE_FLAG_NO_BUFFERING = 0x20000000;
const FILE_FLAG_WRITE_THROUGH = 0x80000000;
const INVALID_FILE_ATTRIBUTES = 0xffffffff;

const OPEN: Record<OpenMode, { access: number; flags: number }> = {
  query: { access: 0, flags: 0 },
  read: { access: GENERIC_READ, flags: 0 },
  volume: { access: GENERIC_READ | GENERIC_WRITE, flags: 0 },
  'disk-write': { access: GENERIC_READ | GENERIC_WRITE, flags: FILE_FLAG_NO_BUFFERING | FILE_FLAG_WRITE_THROUGH },
};

type Fn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };

function isInvalid(h: Win32Handle): boolean {
  return Number(h) === -1;
}

/** A 4-character firmware table provider ('RSMB') as GetSystemFirmwareTable's DWORD. */
export function providerSignature(provider: string): number {
  if (!/^[A-Z]{4}$/.test(provider)) throw new RangeError(`firmware table provider ${provider} must be 4 capital letters`);
  return Buffer.from(provider, 'latin1').readUInt32BE(0);
}

export function kernel32(): Win32Calls {
  const koffi = loadKoffi();
  const lib = koffi.load('kernel32.dll');
  const f = (decl: string): Fn => lib.func(decl) as unknown as Fn;
  const GetLastError = f('uint32_t __stdcall GetLastError()');
  const CreateFileW = f('intptr_t __stdcall CreateFileW(const char16_t *name, uint32_t access, uint32_t share, void *sa, uint32_t disposition, uint32_t flags, intptr_t tmpl)');
  const CloseHandle = f('int __stdcall CloseHandle(intptr_t h)');
  const DeviceIoControl = f('int __stdcall DeviceIoControl(intptr_t h, uint32_t code, void *inBuf, uint32_t inSize, void *outBuf, uint32_t outSize, _Out_ uint32_t *returned, void *ov)');
  const ReadFile = f('int __stdcall ReadFile(intptr_t h, void *buf, uint32_t size, _Out_ uint32_t *done, void *ov)');
  const WriteFile = f('int __stdcall WriteFile(intptr_t h, void *buf, uint32_t size, _Out_ uint32_t *done, void *ov)');
  const FlushFileBuffers = f('int __stdcall FlushFileBuffers(intptr_t h)');
  const FindFirstVolumeW = f('intptr_t __stdcall FindFirstVolumeW(void *buf, uint32_t size)');
  const FindNextVolumeW = f('int __stdcall FindNextVolumeW(intptr_t h, void *buf, uint32_t size)');
  const FindVolumeClose = f('int __stdcall FindVolumeClose(intptr_t h)');
  const GetVolumePathNamesForVolumeNameW = f('int __stdcall GetVolumePathNamesForVolumeNameW(const char16_t *name, void *buf, uint32_t size, _Out_ uint32_t *needed)');
  const GetSystemDirectoryW = f('uint32_t __stdcall GetSystemDirectoryW(void *buf, uint32_t size)');
  const GetFileAttributesW = f('uint32_t __stdcall GetFileAttributesW(const char16_t *name)');
  const GetSystemFirmwareTable = f('uint32_t __stdcall GetSystemFirmwareTable(uint32_t provider, uint32_t id, void *buf, uint32_t size)');

  const fail = (call: string, what: string): never => {
    throw new Win32CallError(call, GetLastError() as number, what);
  };
  // A worker-thread call: GetLastError on this thread would not be that call's, so no code is given.
  const onWorker = (fn: Fn, call: string, what: string, args: unknown[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const done = [0];
      fn.async(...args.slice(0, 3), done, args[3], (err: unknown, ok: unknown) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (!ok) reject(new Win32CallError(call, 0, what));
        else resolve(done[0] ?? 0);
      });
    });

  return {
    open(path, mode) {
      const o = OPEN[mode];
      const h = CreateFileW(path, o.access, FILE_SHARE_READ | FILE_SHARE_WRITE, null, OPEN_EXISTING, o.flags, 0) as Win32Handle;
      if (isInvalid(h)) fail('CreateFileW', path);
      return h;
    },
    close(h) {
      CloseHandle(h);
    },
    ioctl(h, code, input, outSize) {
      const out = Buffer.alloc(outSize);
      const returned = [0];
      const ok = DeviceIoControl(h, code, input, input?.length ?? 0, outSize > 0 ? out : null, outSize, returned, null);
      if (!ok) fail('DeviceIoControl', `0x${code.toString(16).padStart(8, '0')}`);
      return out.subarray(0, returned[0]);
    },
    readAt(h, data, offset) {
      return onWorker(ReadFile, 'ReadFile', `${data.length} bytes at ${offset}`, [h, data, data.length, encodeOverlapped(offset)]);
    },
    writeAt(h, data, offset) {
      return onWorker(WriteFile, 'WriteFile', `${data.length} bytes at ${offset}`, [h, data, data.length, encodeOverlapped(offset)]);
    },
    flush(h) {
      return new Promise((resolve, reject) => {
        FlushFileBuffers.async(h, (err: unknown, ok: unknown) => {
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else if (!ok) reject(new Win32CallError('FlushFileBuffers', 0, 'the disk'));
          else resolve();
        });
      });
    },
    volumeNames() {
      const buf = Buffer.alloc(1024);
      const find = FindFirstVolumeW(buf, 512) as Win32Handle;
      if (isInvalid(find)) fail('FindFirstVolumeW', '');
      const names: string[] = [];
      try {
        do names.push(utf16z(buf));
        while (FindNextVolumeW(find, buf, 512));
      } finally {
        FindVolumeClose(find);
      }
      return names;
    },
    volumePaths(volumeName) {
      const buf = Buffer.alloc(8192);
      const needed = [0];
      if (!GetVolumePathNamesForVolumeNameW(volumeName, buf, 4096, needed)) return [];
      return utf16MultiZ(buf);
    },
    systemDirectory() {
      const buf = Buffer.alloc(1040);
      const n = GetSystemDirectoryW(buf, 520) as number;
      if (n === 0 || n > 520) fail('GetSystemDirectoryW', '');
      return buf.toString('utf16le', 0, n * 2);
    },
    exists(path) {
      return (GetFileAttributesW(path) as number) !== INVALID_FILE_ATTRIBUTES;
    },
    firmwareTable(provider, id) {
      const sig = providerSignature(provider);
      const size = GetSystemFirmwareTable(sig, id, null, 0) as number;
      if (size === 0) return undefined;
      const buf = Buffer.alloc(size);
      const got = GetSystemFirmwareTable(sig, id, buf, size) as number;
      return got === 0 || got > size ? undefined : new Uint8Array(buf.subarray(0, got));
    },
  };
}
