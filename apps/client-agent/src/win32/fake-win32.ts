// An in-memory Windows machine behind Win32Calls: disks (bytes, sector size, which IOCTLs answer),
// volumes (extents, drive letters, files, whether a lock is granted), the system directory. It
// holds to the rules real Windows enforces that matter here: unbuffered transfers must be whole
// sectors at sector offsets (else ERROR_INVALID_PARAMETER), and a locked volume cannot be locked
// again. The specs of the raw-disk layer run against it.
import { Win32CallError, type OpenMode, type Win32Calls, type Win32Handle } from './win32-calls';
import { IOCTL, WIN32_ERROR } from './win32-structs';

export interface FakeDisk {
  readonly bytes: Uint8Array;
  readonly sector?: number;
  /** IOCTL_DISK_GET_LENGTH_INFO and GEOMETRY_EX answer (false: as under wine). @default true */
  readonly ioctls?: boolean;
  /** What IOCTL_STORAGE_QUERY_PROPERTY answers; undefined: the IOCTL fails. */
  readonly descriptor?: { readonly vendor: string; readonly product: string; readonly serial: string; readonly removable: boolean; readonly busType: number };
}

/** STORAGE_DEVICE_DESCRIPTOR with its strings after the fixed part, as drivers return it. */
function descriptorBytes(d: NonNullable<FakeDisk['descriptor']>): Buffer {
  const b = Buffer.alloc(256);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(256, 4);
  b.writeUInt8(d.removable ? 1 : 0, 10);
  let at = 40;
  const put = (field: number, text: string): void => {
    if (text === '') return;
    b.writeUInt32LE(at, field);
    at += b.write(`${text}\0`, at, 'latin1');
  };
  put(12, d.vendor);
  put(16, d.product);
  put(24, d.serial);
  b.writeUInt32LE(d.busType, 28);
  return b;
}

export interface FakeVolume {
  readonly guid: string;
  readonly disks: readonly number[];
  readonly letter?: string;
  readonly files?: readonly string[];
  /** FSCTL_LOCK_VOLUME fails (files open on it). */
  readonly busy?: boolean;
  /** IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS fails; STORAGE_GET_DEVICE_NUMBER answers `deviceNumber`. */
  readonly noExtents?: { readonly deviceNumber?: number };
}

interface Opened {
  readonly path: string;
  readonly mode: OpenMode;
  readonly disk?: number;
  readonly volume?: FakeVolume;
}

const ERROR_INVALID_PARAMETER = 87;

export class FakeWin32 implements Win32Calls {
  readonly log: string[] = [];
  readonly locked = new Set<string>();
  private readonly handles = new Map<number, Opened>();
  private next = 100;

  constructor(
    readonly disks: Map<number, FakeDisk>,
    readonly volumes: FakeVolume[],
    readonly systemDir = 'C:\\Windows\\System32',
    private readonly smbios?: Uint8Array,
  ) {}

  /** Handles still open (a spec checks every one is closed). */
  openHandles(): string[] {
    return [...this.handles.values()].map((o) => o.path);
  }

  private fail(call: string, code: number, what: string): never {
    throw new Win32CallError(call, code, what);
  }

  private volumeByPath(path: string): FakeVolume | undefined {
    const letter = /^\\\\\.\\([A-Z]):$/i.exec(path)?.[1]?.toUpperCase();
    return this.volumes.find((v) => (letter !== undefined ? v.letter === letter : path === `\\\\?\\Volume{${v.guid}}`));
  }

  private get(h: Win32Handle): Opened {
    const o = this.handles.get(Number(h));
    if (o === undefined) throw new Error(`handle ${String(h)} is not open`);
    return o;
  }

  open(path: string, mode: OpenMode): Win32Handle {
    const disk = /^\\\\\.\\PhysicalDrive(\d+)$/.exec(path)?.[1];
    const opened: Opened | undefined =
      disk !== undefined ? (this.disks.has(Number(disk)) ? { path, mode, disk: Number(disk) } : undefined) : (() => {
        const volume = this.volumeByPath(path);
        return volume === undefined ? undefined : { path, mode, volume };
      })();
    if (opened === undefined) this.fail('CreateFileW', WIN32_ERROR.FILE_NOT_FOUND, path);
    const h = this.next++;
    this.handles.set(h, opened);
    this.log.push(`open ${path} ${mode}`);
    return h;
  }

  close(h: Win32Handle): void {
    const o = this.get(h);
    if (o.volume !== undefined && this.locked.has(o.volume.guid)) {
      this.locked.delete(o.volume.guid);
      this.log.push(`unlock ${o.volume.guid}`);
    }
    this.handles.delete(Number(h));
  }

  ioctl(h: Win32Handle, code: number, _input: Uint8Array | null, outSize: number): Uint8Array {
    const o = this.get(h);
    const out = Buffer.alloc(outSize);
    const disk = o.disk === undefined ? undefined : this.disks.get(o.disk);
    const v = o.volume;
    if (disk !== undefined && code === IOCTL.DISK_GET_LENGTH_INFO && o.mode === 'query') this.fail('DeviceIoControl', WIN32_ERROR.ACCESS_DENIED, 'IOCTL_DISK_GET_LENGTH_INFO needs read access');
    if (disk !== undefined && disk.ioctls !== false && code === IOCTL.DISK_GET_LENGTH_INFO) {
      out.writeBigUInt64LE(BigInt(disk.bytes.length), 0);
      return out.subarray(0, 8);
    }
    if (disk !== undefined && disk.ioctls !== false && code === IOCTL.DISK_GET_DRIVE_GEOMETRY_EX) {
      out.writeUInt32LE(disk.sector ?? 512, 20);
      out.writeBigUInt64LE(BigInt(disk.bytes.length), 24);
      return out.subarray(0, 32);
    }
    if (disk?.descriptor !== undefined && code === IOCTL.STORAGE_QUERY_PROPERTY) {
      const d = descriptorBytes(disk.descriptor);
      return d.subarray(0, Math.min(outSize, d.length));
    }
    if (v !== undefined && code === IOCTL.VOLUME_GET_VOLUME_DISK_EXTENTS && v.noExtents === undefined) {
      out.writeUInt32LE(v.disks.length, 0);
      v.disks.forEach((d, i) => {
        out.writeUInt32LE(d, 8 + i * 24);
        out.writeBigUInt64LE(1048576n, 16 + i * 24);
        out.writeBigUInt64LE(1n << 30n, 24 + i * 24);
      });
      return out.subarray(0, 8 + v.disks.length * 24);
    }
    if (v?.noExtents?.deviceNumber !== undefined && code === IOCTL.STORAGE_GET_DEVICE_NUMBER) {
      out.writeUInt32LE(7, 0);
      out.writeUInt32LE(v.noExtents.deviceNumber, 4);
      return out.subarray(0, 12);
    }
    if (v !== undefined && code === IOCTL.FSCTL_LOCK_VOLUME) {
      if (o.mode !== 'volume' || v.busy === true || this.locked.has(v.guid)) this.fail('DeviceIoControl', WIN32_ERROR.ACCESS_DENIED, 'FSCTL_LOCK_VOLUME');
      this.locked.add(v.guid);
      this.log.push(`lock ${v.guid}`);
      return out.subarray(0, 0);
    }
    if (v !== undefined && code === IOCTL.FSCTL_DISMOUNT_VOLUME) {
      if (!this.locked.has(v.guid)) this.fail('DeviceIoControl', WIN32_ERROR.ACCESS_DENIED, 'FSCTL_DISMOUNT_VOLUME');
      this.log.push(`dismount ${v.guid}`);
      return out.subarray(0, 0);
    }
    return this.fail('DeviceIoControl', WIN32_ERROR.NOT_SUPPORTED, `0x${code.toString(16)}`);
  }

  private transfer(h: Win32Handle, data: Uint8Array, offset: number, kind: 'read' | 'write'): Promise<number> {
    const o = this.get(h);
    const disk = o.disk === undefined ? undefined : this.disks.get(o.disk);
    if (disk === undefined) return Promise.reject(new Win32CallError(kind, WIN32_ERROR.INVALID_FUNCTION, o.path));
    const s = disk.sector ?? 512;
    if (o.mode === 'disk-write' && (offset % s !== 0 || data.length % s !== 0)) {
      return Promise.reject(new Win32CallError(kind === 'read' ? 'ReadFile' : 'WriteFile', ERROR_INVALID_PARAMETER, `${data.length} bytes at ${offset}: not whole sectors`));
    }
    if (offset >= disk.bytes.length) return Promise.resolve(0);
    const n = Math.min(data.length, disk.bytes.length - offset);
    if (kind === 'read') data.set(disk.bytes.subarray(offset, offset + n));
    else {
      disk.bytes.set(data.subarray(0, n), offset);
      this.log.push(`write ${n} at ${offset}`);
    }
    return Promise.resolve(n);
  }

  readAt(h: Win32Handle, data: Uint8Array, offset: number): Promise<number> {
    return this.transfer(h, data, offset, 'read');
  }

  writeAt(h: Win32Handle, data: Uint8Array, offset: number): Promise<number> {
    return this.transfer(h, data, offset, 'write');
  }

  flush(h: Win32Handle): Promise<void> {
    this.log.push(`flush ${this.get(h).path}`);
    return Promise.resolve();
  }

  volumeNames(): string[] {
    return this.volumes.map((v) => `\\\\?\\Volume{${v.guid}}\\`);
  }

  volumePaths(volumeName: string): string[] {
    const v = this.volumes.find((x) => volumeName === `\\\\?\\Volume{${x.guid}}\\`);
    return v?.letter === undefined ? [] : [`${v.letter}:\\`];
  }

  systemDirectory(): string {
    return this.systemDir;
  }

  exists(path: string): boolean {
    return this.volumes.some((v) => (v.files ?? []).some((f) => path === `\\\\?\\Volume{${v.guid}}\\${f}`));
  }

  firmwareTable(provider: string, id: number): Uint8Array | undefined {
    return provider === 'RSMB' && id === 0 ? this.smbios : undefined;
  }
}
