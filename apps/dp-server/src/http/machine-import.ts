// The partial machine import (the dashboard's "Import CSV"): every good row is added in its own
// transaction, and every row refused, by the parser (a bad MAC, a name twice in the file) or by the
// store (a MAC or name another machine holds, named), comes back with its line and reason. The
// all-or-nothing import (`castpoint-dp machine import`) stays as it was: a script wants one answer.
import { checkMachineCsv } from '../deployments/csv-import';
import { DeployError } from '../deployments/errors';
import type { Machine } from '../deployments/model';
import type { DpStore } from '../store/dp-store';

/**
 * The body limit of the import route: its schema takes a file of up to 4,000,000 characters, and
 * JSON doubles each newline (`\n`). The DP's default is 64 KiB.
 */
export const IMPORT_BODY_LIMIT = 9 * 1024 * 1024;

export interface RefusedRow {
  line: number;
  /** The row's name (for a line the parser refused, its first field as typed; null when empty). */
  name: string | null;
  code: string;
  message: string;
}

export interface PartialImport {
  imported: number;
  machines: Machine[];
  /** By line number. */
  refused: RefusedRow[];
}

export async function importEach(store: DpStore, csv: string, now: Date): Promise<PartialImport> {
  const { rows, errors } = checkMachineCsv(csv);
  const lines = errors.length > 0 ? csv.split(/\r?\n/) : [];
  // The line's first field as typed, so the operator finds the row (the reason says what is wrong with it).
  const firstField = (line: number): string | null => lines[line - 1]?.split(',')[0]?.trim() || null;
  const refused: RefusedRow[] = errors.map((e) => ({ line: e.line, name: firstField(e.line), code: 'DP_BAD_CSV', message: e.message }));
  const machines: Machine[] = [];
  for (const row of rows) {
    try {
      machines.push(await store.machines.add({ name: row.name, macs: [row.mac], uuid: row.uuid }, now));
    } catch (err) {
      // Only the store's refusals of the row; anything else (the database is gone) fails the request.
      if (!(err instanceof DeployError)) throw err;
      refused.push({ line: row.line, name: row.name, code: err.code, message: err.message });
    }
  }
  refused.sort((a, b) => a.line - b.line);
  return { imported: machines.length, machines, refused };
}
