// A pure parser of `bcdedit /enum firmware` output (Windows, UEFI): the firmware boot manager's
// display order and each firmware application (a BootXXXX entry) with its GUID and description.
// No I/O: refresh.ts runs the command through an injected runner.

export interface BcdObject {
  /** The heading above the dashes: "Firmware Boot Manager", "Windows Boot Manager", "Firmware Application (101fffff)". */
  readonly heading: string;
  /** `{fwbootmgr}`, `{bootmgr}` or a `{GUID}`: what `bcdedit /set {fwbootmgr} bootsequence` takes. */
  readonly identifier: string;
  readonly description: string | null;
  /** Every element by name; a list (displayorder) has one value per line. */
  readonly elements: Readonly<Record<string, readonly string[]>>;
}

export interface BcdFirmware {
  /** {fwbootmgr}'s displayorder: the firmware's BootOrder. */
  readonly displayOrder: readonly string[];
  /** Firmware applications and boot managers, {fwbootmgr} itself left out. */
  readonly objects: readonly BcdObject[];
}

/**
 * Objects are a heading, a line of dashes, then "name   value" lines; a line that starts with
 * blanks continues the previous element's list. A localized Windows translates headings and
 * element names too ("Bezeichner", "Beschreibung"), so the English names are not relied on: an
 * object's first element is its identifier and its second its description (the order bcdedit
 * prints them in, for a firmware application always these two first).
 */
export function parseBcdeditFirmware(text: string): BcdFirmware {
  const lines = text.split(/\r?\n/);
  const objects: BcdObject[] = [];
  let displayOrder: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const heading = (lines[i] ?? '').trim();
    if (heading === '' || !/^-{3,}\s*$/.test(lines[i + 1] ?? '')) continue;
    const elements: Record<string, string[]> = {};
    const keys: string[] = [];
    let last: string | undefined;
    let j = i + 2;
    for (; j < lines.length; j++) {
      const line = (lines[j] ?? '').replace(/\s+$/, '');
      if (line === '' || /^-{3,}$/.test((lines[j + 1] ?? '').trim())) break;
      const cont = /^\s+(\S.*)$/.exec(line);
      if (cont && last !== undefined) {
        elements[last]?.push(cont[1] ?? '');
        continue;
      }
      const kv = /^(\S+)\s+(.*)$/.exec(line);
      if (!kv) continue;
      last = (kv[1] ?? '').toLowerCase();
      if (!elements[last]) keys.push(last);
      (elements[last] ??= []).push((kv[2] ?? '').trim());
    }
    i = j - 1;
    const nth = (name: string, n: number): string[] | undefined => elements[name] ?? elements[keys[n] ?? ''];
    const identifier = nth('identifier', 0)?.[0];
    if (identifier === undefined) continue;
    if (identifier.toLowerCase() === '{fwbootmgr}') {
      displayOrder = [...(nth('displayorder', 1) ?? [])];
      continue;
    }
    objects.push({ heading, identifier, description: nth('description', 1)?.[0] ?? null, elements });
  }
  return { displayOrder, objects };
}
