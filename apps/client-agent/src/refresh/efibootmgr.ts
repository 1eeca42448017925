// A pure parser of `efibootmgr -v` output (Linux, UEFI): the boot entries, their order and
// BootNext, as text. No I/O: refresh.ts runs the command through an injected runner.

/** One BootXXXX variable as efibootmgr prints it. */
export interface EfiBootEntry {
  /** Four upper-case hex digits: the argument of `efibootmgr --bootnext`. */
  readonly num: string;
  /** `*` after the number: the firmware's boot manager tries it (an inactive one is skipped). */
  readonly active: boolean;
  readonly description: string;
  /** With -v: the device path (and any optional data), e.g. `PciRoot(0x0)/Pci(0x3,0x0)/MAC(525400123456,1)/IPv4(...)`. */
  readonly path: string;
}

export interface EfiBootState {
  readonly current: string | null;
  readonly next: string | null;
  readonly order: readonly string[];
  readonly entries: readonly EfiBootEntry[];
}

const ENTRY = /^Boot([0-9A-Fa-f]{4})(\*?)\s(.*)$/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * Lines other than Boot*, BootCurrent, BootNext and BootOrder (Timeout, MirroredPercentageAbove4G,
 * a warning on stderr merged in) are skipped: versions 15 to 18 add and drop such lines. The
 * description ends at the first tab (efibootmgr separates it from the device path with one);
 * without a tab (no -v, or an old version) the whole rest is the description and the path is empty.
 */
export function parseEfibootmgr(text: string): EfiBootState {
  let current: string | null = null;
  let next: string | null = null;
  let order: string[] = [];
  const entries: EfiBootEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    const kv = /^(BootCurrent|BootNext|BootOrder):\s*(.*)$/.exec(line);
    if (kv) {
      const value = kv[2] ?? '';
      if (kv[1] === 'BootOrder') order = value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => HEX4.test(s));
      else if (HEX4.test(value)) {
        if (kv[1] === 'BootCurrent') current = value.toUpperCase();
        else next = value.toUpperCase();
      }
      continue;
    }
    const m = ENTRY.exec(raw.replace(/\r$/, ''));
    if (!m) continue;
    const rest = m[3] ?? '';
    const tab = rest.indexOf('\t');
    const description = (tab < 0 ? rest : rest.slice(0, tab)).trim();
    const path = tab < 0 ? '' : rest.slice(tab + 1).trim();
    entries.push({ num: (m[1] ?? '').toUpperCase(), active: m[2] === '*', description, path });
  }
  return { current, next, order, entries };
}
