// The SMBIOS System Information (type 1) structure from the raw table Windows returns for
// GetSystemFirmwareTable('RSMB', 0): a RawSMBIOSData header (calling method, major, minor, DMI
// revision, DWORD length) then the structure table (DMTF DSP0134). The facts are formatted as
// Linux formats /sys/class/dmi/id, so one machine booted into WinPE and into Linux is the same
// machine to the DP: the UUID's first three fields little-endian from SMBIOS 2.6 on, none for an
// all-0x00 or all-0xFF UUID (the kernel's dmi_save_uuid).
import type { DmiFacts } from './dmi';
import { filled } from './dmi';

export class SmbiosError extends Error {
  constructor(message: string) {
    super(`SMBIOS table: ${message}`);
    this.name = 'SmbiosError';
  }
}

const RAW_HEADER = 8;
const TYPE_SYSTEM = 1;
const TYPE_END = 127;

interface Structure {
  readonly type: number;
  readonly formatted: Uint8Array;
  readonly strings: readonly string[];
}

/** The structures of a table, each with its formatted area and its string set. */
function structures(table: Uint8Array): Structure[] {
  const out: Structure[] = [];
  let at = 0;
  while (at + 4 <= table.length) {
    const type = table[at] ?? 0;
    const length = table[at + 1] ?? 0;
    if (length < 4 || at + length > table.length) throw new SmbiosError(`structure of type ${type} at ${at} has length ${length}, beyond the table`);
    const formatted = table.subarray(at, at + length);
    // The string set ends with two NULs (just two when the structure has no strings).
    let end = at + length;
    while (end + 1 < table.length && !(table[end] === 0 && table[end + 1] === 0)) end++;
    if (end + 1 >= table.length) throw new SmbiosError(`the strings of the structure at ${at} are not terminated`);
    const text = Buffer.from(table.subarray(at + length, end)).toString('latin1');
    out.push({ type, formatted, strings: text === '' ? [] : text.split('\0') });
    if (type === TYPE_END) break;
    at = end + 2;
  }
  return out;
}

function stringAt(s: Structure, offset: number): string | null {
  const n = s.formatted[offset] ?? 0;
  if (n === 0) return null;
  const v = s.strings[n - 1];
  return v === undefined ? null : v.trim() || null;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The UUID as the Linux kernel prints product_uuid; null when unset. */
export function smbiosUuid(raw: Uint8Array, version: number): string | null {
  if (raw.length < 16 || raw.every((b) => b === 0) || raw.every((b) => b === 0xff)) return null;
  const le = version >= 0x0206;
  const f = (from: number, to: number): string => hex(le ? Uint8Array.from(raw.subarray(from, to)).reverse() : raw.subarray(from, to));
  return `${f(0, 4)}-${f(4, 6)}-${f(6, 8)}-${hex(raw.subarray(8, 10))}-${hex(raw.subarray(10, 16))}`;
}

/** Type 1's UUID, serial, manufacturer and product name from GetSystemFirmwareTable('RSMB') bytes. */
export function parseRawSmbios(bytes: Uint8Array): DmiFacts {
  if (bytes.length < RAW_HEADER) throw new SmbiosError(`${bytes.length} bytes, shorter than its 8-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
  const length = view.getUint32(4, true);
  if (RAW_HEADER + length > bytes.length) throw new SmbiosError(`the header says ${length} bytes of table, ${bytes.length - RAW_HEADER} follow`);
  const system = structures(bytes.subarray(RAW_HEADER, RAW_HEADER + length)).find((s) => s.type === TYPE_SYSTEM);
  if (system === undefined) return { uuid: null, serial: null, vendor: null, model: null };
  return {
    uuid: system.formatted.length >= 24 ? smbiosUuid(system.formatted.subarray(8, 24), version) : null,
    serial: filled(stringAt(system, 7)),
    vendor: filled(stringAt(system, 4)),
    model: filled(stringAt(system, 5)),
  };
}
