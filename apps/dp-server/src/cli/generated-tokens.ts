// Tokens generated at a first start go to files in the data directory (mode 0600), never to
// stdout: stdout is the log stream (journald, `| tee log`, a log collector) and whoever reads the
// log must not get the admin API. Only where they are is printed.
import { join } from 'node:path';
import { ROLE_TOKEN_FILES } from '../security/role-tokens';
import { writeFileAtomic } from '../state/store';

/** File names in DATA_DIR, usable as they are by --admin-token-file / --client-token-file. */
export const TOKEN_FILES = { admin: 'admin.token', client: 'client.token', ...ROLE_TOKEN_FILES } as const;
type TokenRole = keyof typeof TOKEN_FILES;

/** Who each token is for, in the start's notice. */
const GIVE_TO: Readonly<Record<TokenRole, string>> = {
  admin: 'the CLI and the dashboard',
  operator: 'who runs sessions and deployments',
  viewer: 'who watches the dashboard',
  capture: 'who captures reference machines (castpoint-agent capture --token)',
  client: 'the agents',
};

export interface SavedToken {
  readonly role: TokenRole;
  readonly path: string;
}

/** Writes each generated token (one line) to its file, atomically, mode 0600. */
export function saveGeneratedTokens(dataDir: string, generated: Partial<Record<TokenRole, string>>): SavedToken[] {
  const saved: SavedToken[] = [];
  for (const role of ['admin', 'operator', 'viewer', 'capture', 'client'] as const) {
    const token = generated[role];
    if (token === undefined) continue;
    const path = join(dataDir, TOKEN_FILES[role]);
    writeFileAtomic(path, `${token}\n`, 0o600);
    saved.push({ role, path });
  }
  return saved;
}

/** The lines a first start prints: where each generated token is, never the token. */
export function savedTokensNotice(saved: readonly SavedToken[]): string {
  return saved.map((s) => `${s.role} token generated: ${s.path} (mode 0600; give it to ${GIVE_TO[s.role]})\n`).join('');
}
