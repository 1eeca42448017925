// The DLLs a PE32+ executable imports (import directory) and delay-loads (delay import directory),
// read from its headers over a positional read function: the WinPE kit lists what the agent .exe
// needs so that each DLL can be checked in the WinPE image (check-dlls.cmd).

/** Reads `length` bytes at `offset` (short at the file's end). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

export interface PeImports {
  readonly dlls: readonly string[];
  readonly delayLoaded: readonly string[];
}

export class PeError extends Error {
  constructor(message: string) {
    super(`not a PE32+ executable: ${message}`);
    this.name = 'PeError';
  }
}

interface Section {
  readonly rva: number;
  readonly size: number;
  readonly raw: number;
}

const IMPORT_DIR = 1;
const DELAY_IMPORT_DIR = 13;
const MAX_DESCRIPTORS = 4096;

function view(read: ReadAt, offset: number, length: number): DataView {
  const b = read(offset, length);
  if (b.length < length) throw new PeError(`${length} bytes at ${offset} lie past the end of the file`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function cString(read: ReadAt, offset: number): string {
  const b = read(offset, 256);
  const end = b.indexOf(0);
  if (end <= 0) throw new PeError(`no DLL name at ${offset}`);
  return Buffer.from(b.subarray(0, end)).toString('latin1');
}

export function peImports(read: ReadAt): PeImports {
  const dos = view(read, 0, 64);
  if (dos.getUint16(0, true) !== 0x5a4d) throw new PeError('no MZ header');
  const pe = dos.getUint32(0x3c, true);
  const head = view(read, pe, 24);
  if (head.getUint32(0, true) !== 0x00004550) throw new PeError(`no PE signature at ${pe}`);
  const sections = head.getUint16(6, true);
  const optSize = head.getUint16(20, true);
  const opt = view(read, pe + 24, optSize);
  if (opt.getUint16(0, true) !== 0x20b) throw new PeError('the optional header is not PE32+ (64-bit)');
  const dirCount = opt.getUint32(108, true);
  const dir = (i: number): { rva: number; size: number } => (i < dirCount && 112 + i * 8 + 8 <= optSize ? { rva: opt.getUint32(112 + i * 8, true), size: opt.getUint32(116 + i * 8, true) } : { rva: 0, size: 0 });
  const table = view(read, pe + 24 + optSize, sections * 40);
  const secs: Section[] = [];
  for (let i = 0; i < sections; i++) {
    secs.push({ rva: table.getUint32(i * 40 + 12, true), size: Math.max(table.getUint32(i * 40 + 8, true), table.getUint32(i * 40 + 16, true)), raw: table.getUint32(i * 40 + 20, true) });
  }
  const offsetOf = (rva: number): number => {
    const s = secs.find((x) => rva >= x.rva && rva < x.rva + x.size);
    if (s === undefined) throw new PeError(`RVA 0x${rva.toString(16)} is in no section`);
    return s.raw + (rva - s.rva);
  };
  const names = (d: { rva: number; size: number }, entry: number, nameAt: number): string[] => {
    if (d.rva === 0) return [];
    const out: string[] = [];
    const base = offsetOf(d.rva);
    for (let i = 0; i < MAX_DESCRIPTORS; i++) {
      const e = view(read, base + i * entry, entry);
      const nameRva = e.getUint32(nameAt, true);
      if (nameRva === 0) return out;
      out.push(cString(read, offsetOf(nameRva)));
    }
    throw new PeError(`more than ${MAX_DESCRIPTORS} import descriptors`);
  };
  // IMAGE_IMPORT_DESCRIPTOR: 20 bytes, Name at 12; IMAGE_DELAYLOAD_DESCRIPTOR: 32 bytes, DllNameRVA at 4.
  return { dlls: names(dir(IMPORT_DIR), 20, 12), delayLoaded: names(dir(DELAY_IMPORT_DIR), 32, 4) };
}
