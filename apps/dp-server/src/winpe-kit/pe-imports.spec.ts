// peImports on a real PE (koffi's win32-x64 module from the npm package: objdump -p lists
// KERNEL32.dll and ADVAPI32.dll, and a delay import directory objdump does not name: NODE.EXE, the
// N-API host, which node-gyp's delay-load hook binds to the running executable whatever its name)
// and on small PEs built here, with each malformed header refused.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PeError, peImports, type ReadAt } from './pe-imports';

const readerOf =
  (b: Uint8Array): ReadAt =>
  (offset, length) =>
    b.subarray(offset, Math.min(b.length, offset + length));

/** A PE32+ with one section at RVA 0x1000 (file offset 0x200) holding the import tables. */
function tinyPe(o: { imports?: string[]; delay?: string[]; magic?: number; dirRva?: number } = {}): Buffer {
  const b = Buffer.alloc(0x800);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x40, 0x3c);
  b.writeUInt32LE(0x4550, 0x40);
  b.writeUInt16LE(1, 0x40 + 6);
  b.writeUInt16LE(240, 0x40 + 20);
  const opt = 0x40 + 24;
  b.writeUInt16LE(o.magic ?? 0x20b, opt);
  b.writeUInt32LE(16, opt + 108);
  const sec = opt + 240;
  b.writeUInt32LE(0x600, sec + 8);
  b.writeUInt32LE(0x1000, sec + 12);
  b.writeUInt32LE(0x600, sec + 16);
  b.writeUInt32LE(0x200, sec + 20);
  const rva = (off: number): number => 0x1000 + (off - 0x200);
  let names = 0x600;
  const nameRva = (n: string): number => {
    const at = names;
    names += b.write(`${n}\0`, at, 'latin1');
    return rva(at);
  };
  const imports = o.imports ?? [];
  imports.forEach((n, i) => b.writeUInt32LE(nameRva(n), 0x200 + i * 20 + 12));
  b.writeUInt32LE(o.dirRva ?? rva(0x200), opt + 112 + 8);
  const delay = o.delay ?? [];
  if (delay.length > 0) {
    delay.forEach((n, i) => b.writeUInt32LE(nameRva(n), 0x400 + i * 32 + 4));
    b.writeUInt32LE(rva(0x400), opt + 112 + 13 * 8);
  }
  return b;
}

describe('peImports', () => {
  it("reads koffi's win32-x64 module: objdump -p's imports, and the delay-loaded N-API host", () => {
    const file = readFileSync(path.join(__dirname, '../../../../node_modules/koffi/build/koffi/win32_x64/koffi.node'));
    expect(peImports(readerOf(file))).toEqual({ dlls: ['KERNEL32.dll', 'ADVAPI32.dll'], delayLoaded: ['NODE.EXE'] });
  });

  it.each<[string, Parameters<typeof tinyPe>[0], object]>([
    ['imports only', { imports: ['KERNEL32.dll', 'WS2_32.dll'] }, { dlls: ['KERNEL32.dll', 'WS2_32.dll'], delayLoaded: [] }],
    ['delay-loaded too', { imports: ['KERNEL32.dll'], delay: ['dbghelp.dll'] }, { dlls: ['KERNEL32.dll'], delayLoaded: ['dbghelp.dll'] }],
    ['no imports at all', { dirRva: 0 }, { dlls: [], delayLoaded: [] }],
  ])('%s', (_name, o, expected) => {
    expect(peImports(readerOf(tinyPe(o)))).toEqual(expected);
  });

  it.each<[string, Buffer, RegExp]>([
    ['a file without MZ', Buffer.alloc(512), /no MZ header/],
    ['a 32-bit PE', tinyPe({ magic: 0x10b }), /not PE32\+/],
    ['an import table outside every section', tinyPe({ dirRva: 0x9000 }), /RVA 0x9000 is in no section/],
    ['a file cut inside its headers', tinyPe().subarray(0, 0x60), /past the end of the file/],
  ])('refuses %s', (_name, bytes, message) => {
    expect(() => peImports(readerOf(bytes))).toThrow(PeError);
    expect(() => peImports(readerOf(bytes))).toThrow(message);
  });
});
