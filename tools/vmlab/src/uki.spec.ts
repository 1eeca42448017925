import { parseObjdumpSections, parseSectionAlignment, ukiSectionVmas } from './uki';

// `objdump -h` and `objdump -p` of a PE file as binutils 2.40 prints them (Debian's ipxe.efi):
// each section row is followed by a flags row, and a non-loaded .debug section comes last.
const OBJDUMP_H = `
/usr/lib/ipxe/ipxe.efi:     file format pei-x86-64

Sections:
Idx Name          Size      VMA               LMA               File off  Algn
  0 .text         000949ea  0000000000001000  0000000000001000  000002c0  2**4
                  CONTENTS, ALLOC, LOAD, READONLY, CODE
  1 .rodata       0002bbba  0000000000095a00  0000000000095a00  00094cc0  2**2
                  CONTENTS, ALLOC, LOAD, READONLY, DATA
  2 .data         0000d7f0  00000000000c15c0  00000000000c15c0  000c0880  2**4
                  CONTENTS, ALLOC, LOAD, DATA
  3 .bss          000971ec  00000000000cedc0  00000000000cedc0  00000000  2**4
                  ALLOC
  4 .reloc        0000199c  0000000000165fc0  0000000000165fc0  000ce080  2**2
                  CONTENTS, ALLOC, LOAD, READONLY, DATA
  5 .debug        00000040  0000000000167960  0000000000167960  000cfa20  2**0
                  CONTENTS, READONLY, DEBUGGING
`;
const OBJDUMP_P = 'Magic\t\t\t020b\t(PE32+)\nImageBase\t\t0000000000000000\nSectionAlignment\t00000020\nFileAlignment\t\t00000020\n';

describe('unified kernel image layout', () => {
  it('reads every section row of objdump -h, and the section alignment of objdump -p', () => {
    const s = parseObjdumpSections(OBJDUMP_H);
    expect(s.map((x) => x.name)).toEqual(['.text', '.rodata', '.data', '.bss', '.reloc', '.debug']);
    expect(s[3]).toEqual({ name: '.bss', size: 0x971ecn, vma: 0xcedc0n });
    expect(parseSectionAlignment(OBJDUMP_P)).toBe(0x20n);
    expect(() => parseSectionAlignment('no header')).toThrow(/SectionAlignment/);
  });

  it('places the added sections one after another past the stub\'s last section, each aligned', () => {
    const stub = parseObjdumpSections(OBJDUMP_H);
    // The stub ends at .debug: 0x167960 + 0x40 = 0x1679a0 -> 0x168000 at 4 KiB alignment.
    expect(ukiSectionVmas(stub, 0x1000n, [{ name: '.cmdline', size: 28n }, { name: '.linux', size: 0x7f0001n }, { name: '.initrd', size: 5n }])).toEqual([
      { name: '.cmdline', vma: 0x168000n },
      { name: '.linux', vma: 0x169000n },
      { name: '.initrd', vma: 0x95a000n },
    ]);
    // Already aligned ends stay where they are.
    expect(ukiSectionVmas(stub, 0x20n, [{ name: '.cmdline', size: 0x20n }, { name: '.linux', size: 1n }])).toEqual([
      { name: '.cmdline', vma: 0x1679a0n },
      { name: '.linux', vma: 0x1679c0n },
    ]);
    expect(() => ukiSectionVmas([], 0x1000n, [])).toThrow(/no sections/);
    expect(() => ukiSectionVmas(stub, 0n, [])).toThrow(RangeError);
  });
});
