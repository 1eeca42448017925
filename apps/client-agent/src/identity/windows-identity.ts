// The machine's identity on Windows (WinPE), in the shape readIdentity gives on Linux so the DP
// matches the machine the same way booted into either:
//   MACs:  os.networkInterfaces() (GetAdaptersAddresses underneath), loopback and zero MACs left
//          out. Windows gives no "backed by a device" flag there, so every adapter counts as
//          physical: WinPE loads no virtual switches or VPN adapters;
//   SMBIOS: GetSystemFirmwareTable('RSMB') parsed by smbios.ts (nulls where the firmware has none);
//   disks: \\.\PhysicalDrive0..63 that open, with size (IOCTL_DISK_GET_LENGTH_INFO, else
//          GEOMETRY_EX) and vendor/model/serial (IOCTL_STORAGE_QUERY_PROPERTY). A USB disk counts
//          as removable, so `first-fixed` never picks a stick or a USB drive by itself.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { DiskInfo } from '@castpoint/chunking';
import type { Win32Calls, Win32Handle } from '../win32/win32-calls';
import { IOCTL, decodeDeviceDescriptor, decodeGeometryEx, decodeLengthInfo, encodeDevicePropertyQuery } from '../win32/win32-structs';
import type { DmiFacts } from './dmi';
import type { MachineIdentity } from './identity';
import { identityMacs, type Nic } from './nics';
import { parseRawSmbios } from './smbios';

/** Disk numbers tried: Windows numbers disks densely from 0, but a removed one leaves a gap. */
export const MAX_PHYSICAL_DRIVES = 64;
const STORAGE_BUS_USB = 7;

export function windowsNics(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Nic[] {
  const nics: Nic[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    const e = (entries ?? []).find((x) => !x.internal && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(x.mac) && x.mac !== '00:00:00:00:00:00');
    if (e !== undefined) nics.push({ name, mac: e.mac.toLowerCase(), physical: true });
  }
  return nics;
}

export function windowsDmi(win: Pick<Win32Calls, 'firmwareTable'>): DmiFacts {
  const none: DmiFacts = { uuid: null, serial: null, vendor: null, model: null };
  const table = win.firmwareTable('RSMB', 0);
  if (table === undefined) return none;
  try {
    return parseRawSmbios(table);
  } catch {
    // A table the parser refuses identifies nothing; the MACs still do.
    return none;
  }
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function describeDisk(win: Win32Calls, h: Win32Handle, n: number): DiskInfo {
  const size = attempt(() => decodeLengthInfo(win.ioctl(h, IOCTL.DISK_GET_LENGTH_INFO, null, 8))) ?? attempt(() => decodeGeometryEx(win.ioctl(h, IOCTL.DISK_GET_DRIVE_GEOMETRY_EX, null, 256)).diskSize) ?? 0;
  const d = attempt(() => decodeDeviceDescriptor(win.ioctl(h, IOCTL.STORAGE_QUERY_PROPERTY, encodeDevicePropertyQuery(), 1024)));
  const model = [d?.vendor, d?.product].filter((x) => x !== undefined && x !== '').join(' ');
  return {
    name: `PhysicalDrive${n}`,
    path: `\\\\.\\PhysicalDrive${n}`,
    sizeBytes: size,
    model: model === '' ? null : model,
    serial: d?.serial ? d.serial : null,
    wwn: null,
    removable: d !== undefined && (d.removable || d.busType === STORAGE_BUS_USB),
    rotational: null,
  };
}

export function windowsDisks(win: Win32Calls): DiskInfo[] {
  const disks: DiskInfo[] = [];
  for (let n = 0; n < MAX_PHYSICAL_DRIVES; n++) {
    const h = attempt(() => win.open(`\\\\.\\PhysicalDrive${n}`, 'read'));
    if (h === undefined) continue;
    try {
      disks.push(describeDisk(win, h, n));
    } finally {
      win.close(h);
    }
  }
  return disks;
}

export function readWindowsIdentity(win: Win32Calls, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): MachineIdentity {
  const nics = windowsNics(interfaces);
  return { macs: identityMacs(nics), nics, ...windowsDmi(win), disks: windowsDisks(win) };
}
