// The WinPE path's texts as a table: diskpart scripts (GPT, MBR) and the DISM + bcdboot lines.
import { applyCommands, diskpartScript, type WinpeInput } from './winpe-scripts';

const gpt: WinpeInput = { diskNumber: 0, layout: 'gpt', wim: 'D:\\staging\\install.wim', index: 2 };
const mbr: WinpeInput = { ...gpt, layout: 'mbr', diskNumber: 1 };

describe('diskpartScript', () => {
  it.each([
    [
      'GPT (UEFI): ESP 260 MiB FAT32, MSR 16 MiB, Windows NTFS',
      gpt,
      ['select disk 0', 'clean', 'convert gpt', 'create partition efi size=260', 'format quick fs=fat32 label="System"', 'assign letter="S"', 'create partition msr size=16', 'create partition primary', 'format quick fs=ntfs label="Windows"', 'assign letter="W"', 'exit'],
    ],
    [
      'MBR (BIOS): active System 100 MiB NTFS, Windows NTFS',
      mbr,
      ['select disk 1', 'clean', 'create partition primary size=100', 'format quick fs=ntfs label="System"', 'assign letter="S"', 'active', 'create partition primary', 'format quick fs=ntfs label="Windows"', 'assign letter="W"', 'exit'],
    ],
    ['other letters', { ...gpt, systemLetter: 'y', windowsLetter: 'C' }, expect.arrayContaining(['assign letter="Y"', 'assign letter="C"'])],
  ])('%s', (_what, input, lines) => {
    const text = diskpartScript(input);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.slice(0, -2).split('\r\n')).toEqual(lines);
  });

  it.each([
    ['a negative disk', { ...gpt, diskNumber: -1 }, 'disk number must be 0 to 999, got -1'],
    ['X:, WinPE’s own drive', { ...gpt, windowsLetter: 'X' }, 'Windows partition drive letter must be one of C-W, Y, Z (X: is WinPE\'s own), got "X"'],
    ['one letter twice', { ...gpt, systemLetter: 'W' }, 'the system and Windows partitions need different drive letters (both W)'],
    ['a quote in the WIM path', { ...gpt, wim: 'D:\\a" & format C:' }, /the WIM path must be an absolute Windows path without quotes/],
    ['a relative WIM path', { ...gpt, wim: 'install.wim' }, /absolute Windows path/],
    ['index 0', { ...gpt, index: 0 }, 'WIM index must be 1 or more, got 0'],
  ])('refuses %s', (_what, input, message) => {
    expect(() => diskpartScript(input)).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringMatching(message instanceof RegExp ? message : new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)) }));
  });
});

describe('applyCommands', () => {
  it.each([
    [
      'GPT: bcdboot /f UEFI',
      gpt,
      [
        ['Dism', '/Apply-Image', '/ImageFile:D:\\staging\\install.wim', '/Index:2', '/ApplyDir:W:\\'],
        ['W:\\Windows\\System32\\bcdboot.exe', 'W:\\Windows', '/s', 'S:', '/f', 'UEFI'],
      ],
      'Dism /Apply-Image /ImageFile:D:\\staging\\install.wim /Index:2 /ApplyDir:W:\\ || exit /b 1\r\nW:\\Windows\\System32\\bcdboot.exe W:\\Windows /s S: /f UEFI || exit /b 1\r\n',
    ],
    [
      'MBR: bcdboot /f BIOS',
      mbr,
      [
        ['Dism', '/Apply-Image', '/ImageFile:D:\\staging\\install.wim', '/Index:2', '/ApplyDir:W:\\'],
        ['W:\\Windows\\System32\\bcdboot.exe', 'W:\\Windows', '/s', 'S:', '/f', 'BIOS'],
      ],
      'Dism /Apply-Image /ImageFile:D:\\staging\\install.wim /Index:2 /ApplyDir:W:\\ || exit /b 1\r\nW:\\Windows\\System32\\bcdboot.exe W:\\Windows /s S: /f BIOS || exit /b 1\r\n',
    ],
    [
      'a WIM path with a space is quoted after the colon',
      { ...gpt, wim: 'D:\\my images\\a.wim' },
      [
        ['Dism', '/Apply-Image', '/ImageFile:D:\\my images\\a.wim', '/Index:2', '/ApplyDir:W:\\'],
        ['W:\\Windows\\System32\\bcdboot.exe', 'W:\\Windows', '/s', 'S:', '/f', 'UEFI'],
      ],
      'Dism /Apply-Image /ImageFile:"D:\\my images\\a.wim" /Index:2 /ApplyDir:W:\\ || exit /b 1\r\nW:\\Windows\\System32\\bcdboot.exe W:\\Windows /s S: /f UEFI || exit /b 1\r\n',
    ],
  ])('%s', (_what, input, argv, cmd) => {
    expect(applyCommands(input)).toEqual({ argv, cmd });
  });
});
