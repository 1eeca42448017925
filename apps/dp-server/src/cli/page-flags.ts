// `--limit N` and `--after CURSOR` of the paged listings (`machine list`, `history`): one page
// instead of every entry, with the cursor of the next page shown (and in --json).
import type { Argv } from 'yargs';
import { UsageError } from './api-args';

export interface PageArgs {
  limit?: number;
  after?: string;
}

export function pageOptions<T>(y: Argv<T>, what: string) {
  return y
    .option('limit', { type: 'number', describe: `Print one page of at most N ${what} (1-1000)` })
    .option('after', { type: 'string', describe: 'Start after this cursor: the `next` a previous page printed' });
}

/** True when one page was asked for; the limit is checked here so a typo never asks the DP. */
export function wantsPage(a: PageArgs): boolean {
  if (a.limit !== undefined && !(Number.isInteger(a.limit) && a.limit >= 1 && a.limit <= 1000)) throw new UsageError(`--limit must be a whole number from 1 to 1000 (got ${String(a.limit)})`);
  if (a.after !== undefined && String(a.after).trim() === '') throw new UsageError('--after needs the cursor a previous page printed');
  return a.limit !== undefined || a.after !== undefined;
}

/** The line after a page's table: how to ask for the next one, or that there is none. */
export function nextPageLine(next: string | number | null): string {
  return next === null ? '(last page)' : `next page: --after ${next}`;
}
