import { DeployError } from './errors';
import { normalizeMac, normalizeUuid } from './mac';

export interface ImportRow {
  line: number;
  name: string;
  mac: string;
  uuid: string | null;
}

export interface CsvLineError {
  line: number;
  message: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Parses a machine import file: `name,mac[,uuid]` per line; blank lines and `#` comments are
 * skipped, and a first line `name,mac[,uuid]` is taken as a header. Every bad line is reported
 * (not just the first), and nothing is imported unless all lines are good, so an operator fixes
 * the file once. Names and MACs repeated inside the file are errors too.
 */
export function parseMachineCsv(text: string): ImportRow[] {
  const { rows, errors } = checkMachineCsv(text);
  if (errors.length > 0) {
    const shown = errors.slice(0, 20).map((e) => `line ${e.line}: ${e.message}`);
    const more = errors.length > 20 ? [`... and ${errors.length - 20} more`] : [];
    throw new DeployError('DP_BAD_CSV', `the import file has ${errors.length} bad line(s), nothing imported:\n${[...shown, ...more].join('\n')}`, { errors });
  }
  return rows;
}

/**
 * The good rows and every bad line with its reason, without throwing: the partial import (the
 * dashboard's) adds the good rows and shows each bad line beside the rows the store refused.
 */
export function checkMachineCsv(text: string): { rows: ImportRow[]; errors: CsvLineError[] } {
  const rows: ImportRow[] = [];
  const errors: CsvLineError[] = [];
  const namesSeen = new Map<string, number>();
  const macsSeen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(',').map((f) => f.trim());
    if (line === 1 && fields[0]?.toLowerCase() === 'name' && fields[1]?.toLowerCase() === 'mac') return;
    const [name = '', mac = '', uuid = ''] = fields;
    if (fields.length < 2 || fields.length > 3) return void errors.push({ line, message: `expected name,mac[,uuid], got ${fields.length} field(s)` });
    if (!NAME_RE.test(name)) return void errors.push({ line, message: `name "${name}" must be 1-63 letters, digits, dots, dashes or underscores` });
    let normalMac: string;
    try {
      normalMac = normalizeMac(mac);
    } catch {
      return void errors.push({ line, message: `"${mac}" is not a MAC address` });
    }
    if (uuid !== '' && !UUID_RE.test(uuid)) return void errors.push({ line, message: `"${uuid}" is not a UUID` });
    const nameLine = namesSeen.get(name.toLowerCase());
    if (nameLine !== undefined) return void errors.push({ line, message: `name ${name} is already on line ${nameLine}` });
    const macLine = macsSeen.get(normalMac);
    if (macLine !== undefined) return void errors.push({ line, message: `MAC ${normalMac} is already on line ${macLine}` });
    namesSeen.set(name.toLowerCase(), line);
    macsSeen.set(normalMac, line);
    rows.push({ line, name, mac: normalMac, uuid: uuid === '' ? null : normalizeUuid(uuid) });
  });
  return { rows, errors };
}
