// Tokens read from files (serve's --admin-token-file, --client-token-file, --operator-token-file,
// --viewer-token-file, --capture-token-file, the admin CLI's
// --token-file): a token given as a flag is visible to every user of the host in `ps` and
// /proc/PID/cmdline, a file can be kept private.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DpError } from '../errors';
import { parseToken } from './parse';

/** The serve settings, and the admin CLI's --token-file. */
export type TokenFileSetting = 'admin-token-file' | 'client-token-file' | 'operator-token-file' | 'viewer-token-file' | 'capture-token-file' | 'token-file';

/**
 * The token held in FILE (surrounding whitespace and a final newline are ignored). Refused when the
 * file is not a regular file or when its group or others may read or write it, as ssh refuses a
 * private key anyone else can read: a token file readable by others is no secret (chmod 600 FILE).
 */
export function readTokenFile(file: string, setting: TokenFileSetting): string {
  const path = resolve(file);
  const fail = (why: string, cause?: unknown): DpError =>
    new DpError('DP_BAD_SETTING', `${setting} ${path}: ${why}`, { setting, value: path }, cause === undefined ? undefined : { cause });
  let mode: number;
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw fail('not a regular file');
    mode = st.mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof DpError) throw err;
    throw fail(`cannot read it: ${(err as Error).message}`, err);
  }
  if ((mode & 0o077) !== 0) {
    throw fail(`its group or other users may read or write it (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
  }
  return parseToken(text.trim(), setting);
}
