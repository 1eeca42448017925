// The operator's, the viewer's and the capture tokens. Given by file (--operator-token-file,
// --viewer-token-file, --capture-token-file), or kept in DATA_DIR/operator.token, viewer.token and
// capture.token (mode 0600), which a first start generates. The admin and client tokens stay where they were (state.json).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTokenFile } from '../config/token-files';
import { DpError } from '../errors';
import { generateToken, writeFileAtomic } from '../state/store';
import type { AccessTokens } from './roles';

export type RoleTokenName = 'operator' | 'viewer' | 'capture';
export const ROLE_TOKEN_NAMES: readonly RoleTokenName[] = ['operator', 'viewer', 'capture'];
export const ROLE_TOKEN_FILES: Readonly<Record<RoleTokenName, string>> = { operator: 'operator.token', viewer: 'viewer.token', capture: 'capture.token' };

export interface LoadedRoleTokens {
  readonly tokens: Record<RoleTokenName, string>;
  /** Generated (and written to DATA_DIR) by this call. */
  readonly generated: Partial<Record<RoleTokenName, string>>;
}

/** The given tokens, else the ones kept in DATA_DIR, else new ones written there. */
export function loadRoleTokens(dataDir: string, given: Partial<Record<RoleTokenName, string>>): LoadedRoleTokens {
  const tokens = {} as Record<RoleTokenName, string>;
  const generated: Partial<Record<RoleTokenName, string>> = {};
  for (const role of ROLE_TOKEN_NAMES) {
    const kept = join(dataDir, ROLE_TOKEN_FILES[role]);
    const g = given[role];
    if (g !== undefined) tokens[role] = g;
    else if (existsSync(kept)) tokens[role] = readTokenFile(kept, `${role}-token-file`);
    else {
      tokens[role] = generated[role] = generateToken();
      writeFileAtomic(kept, `${tokens[role]}\n`, 0o600);
    }
  }
  return { tokens, generated };
}

/** Every role's token differs from the others' and from the client token every agent carries. */
export function checkDistinct(t: AccessTokens): void {
  const names = ['admin', 'operator', 'viewer', 'capture', 'client'] as const;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i] as (typeof names)[number];
      const b = names[j] as (typeof names)[number];
      if (t[a] === t[b]) {
        throw new DpError('DP_BAD_SETTING', `the ${a} and ${b} tokens are the same: each role needs its own token (a shared one gives both roles' rights)`, { setting: `${b}-token-file` });
      }
    }
  }
}

/** The tokens the API checks, read at each request so that a reload (SIGHUP) takes effect at once. */
export class AccessTokenSet {
  constructor(
    private readonly kept: () => { readonly admin: string; readonly client: string },
    private roles: Record<RoleTokenName, string>,
  ) {
    checkDistinct(this.get());
  }

  get(): AccessTokens {
    const k = this.kept();
    return { admin: k.admin, client: k.client, operator: this.roles.operator, viewer: this.roles.viewer, capture: this.roles.capture };
  }

  /** New operator/viewer/capture tokens (checked before they replace the old ones). */
  replaceRoles(roles: Record<RoleTokenName, string>): void {
    const k = this.kept();
    checkDistinct({ admin: k.admin, client: k.client, ...roles });
    this.roles = { ...roles };
  }
}
