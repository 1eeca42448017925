// The WinPE path of a WIM image (issue 27), rendered as text by pure functions: the diskpart script
// that lays out the disk (GPT for UEFI, MBR for BIOS, as Microsoft's CreatePartitions-UEFI.txt and
// -BIOS.txt do) and the DISM and bcdboot command lines that apply the image and make it boot.
// bcdboot is what the Linux path lacks: it writes the BCD store (and, for BIOS, the boot code).
import { AgentError } from '../errors';

export type WinLayout = 'gpt' | 'mbr';

export interface WinpeInput {
  /** diskpart's disk number (`list disk`). */
  readonly diskNumber: number;
  readonly layout: WinLayout;
  /** The staged WIM, an absolute Windows path (D:\staging\install.wim). */
  readonly wim: string;
  readonly index: number;
  /** Drive letters given to the system and Windows partitions while they are made. @default S, W */
  readonly systemLetter?: string;
  readonly windowsLetter?: string;
}

function bad(message: string): AgentError {
  return new AgentError('usage', message);
}

function letter(v: string | undefined, dflt: string, what: string): string {
  const l = (v ?? dflt).toUpperCase();
  // X: is WinPE's own RAM drive; A: and B: are floppy letters diskpart may refuse.
  if (!/^[C-WYZ]$/.test(l)) throw bad(`${what} drive letter must be one of C-W, Y, Z (X: is WinPE's own), got "${v ?? ''}"`);
  return l;
}

interface Checked {
  readonly disk: number;
  readonly s: string;
  readonly w: string;
}

function check(i: WinpeInput): Checked {
  if (!Number.isSafeInteger(i.diskNumber) || i.diskNumber < 0 || i.diskNumber > 999) throw bad(`disk number must be 0 to 999, got ${i.diskNumber}`);
  if (!Number.isSafeInteger(i.index) || i.index < 1) throw bad(`WIM index must be 1 or more, got ${i.index}`);
  // A quote or a line break would end the argument or the script line: refused, never escaped.
  if (!/^[A-Za-z]:\\[^"\r\n%]*$/.test(i.wim)) throw bad(`the WIM path must be an absolute Windows path without quotes, % or line breaks, got ${JSON.stringify(i.wim)}`);
  const s = letter(i.systemLetter, 'S', 'system partition');
  const w = letter(i.windowsLetter, 'W', 'Windows partition');
  if (s === w) throw bad(`the system and Windows partitions need different drive letters (both ${s})`);
  return { disk: i.diskNumber, s, w };
}

/** The diskpart script (`diskpart /s FILE`), CRLF line ends as diskpart's own files have. */
export function diskpartScript(i: WinpeInput): string {
  const { disk, s, w } = check(i);
  const lines =
    i.layout === 'gpt'
      ? [
          `select disk ${disk}`,
          'clean',
          'convert gpt',
          'create partition efi size=260',
          'format quick fs=fat32 label="System"',
          `assign letter="${s}"`,
          'create partition msr size=16',
          'create partition primary',
          'format quick fs=ntfs label="Windows"',
          `assign letter="${w}"`,
          'exit',
        ]
      : [
          `select disk ${disk}`,
          'clean',
          // BIOS boots the active primary partition's boot sector, which bcdboot /f BIOS fills.
          'create partition primary size=100',
          'format quick fs=ntfs label="System"',
          `assign letter="${s}"`,
          'active',
          'create partition primary',
          'format quick fs=ntfs label="Windows"',
          `assign letter="${w}"`,
          'exit',
        ];
  return `${lines.join('\r\n')}\r\n`;
}

/** DISM then bcdboot, as argv (for a runner) and as the lines a .cmd file holds. */
export function applyCommands(i: WinpeInput): { argv: string[][]; cmd: string } {
  const { s, w } = check(i);
  const argv = [
    ['Dism', '/Apply-Image', `/ImageFile:${i.wim}`, `/Index:${i.index}`, `/ApplyDir:${w}:\\`],
    // From the applied Windows: its own boot files, a BCD store naming this Windows, and (/f) the
    // firmware's kind; on UEFI also the firmware boot entry.
    [`${w}:\\Windows\\System32\\bcdboot.exe`, `${w}:\\Windows`, '/s', `${s}:`, '/f', i.layout === 'gpt' ? 'UEFI' : 'BIOS'],
  ];
  const cmd = argv.map((a) => `${a.map(cmdQuote).join(' ')} || exit /b 1`).join('\r\n');
  return { argv, cmd: `${cmd}\r\n` };
}

/** cmd.exe quoting: a `/Name:value` switch quotes its value (DISM's form), any other word whole. */
function cmdQuote(a: string): string {
  if (!/\s/.test(a)) return a;
  const sw = /^(\/[A-Za-z-]+:)(.*)$/.exec(a);
  return sw ? `${sw[1] ?? ''}"${sw[2] ?? ''}"` : `"${a}"`;
}
