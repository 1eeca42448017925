// Who may do what on the admin API and the dashboard. Three roles, each one able to do all that the
// one below it does: a viewer reads (dashboard, lists, history), an operator also runs sessions and
// deployments (and keeps the machine inventory), an admin also manages images and tokens.
// Agents have their own token (the client token) and routes; it opens none of these.
// The capture token (issue 26) stands beside the ladder, not on it: it may upload a capture (the
// capture routes, capture-auth.ts) and nothing else, so a reference machine's technician can be
// given it without the rights to remove images or read the fleet.

export const ACCESS_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** The tokens of the three roles, the capture token and the agents' client token (all different). */
export interface AccessTokens {
  readonly admin: string;
  readonly operator: string;
  readonly viewer: string;
  readonly capture: string;
  readonly client: string;
}

/** True when `held` may do what `needed` may. */
export function canAct(held: AccessRole, needed: AccessRole): boolean {
  return ACCESS_ROLES.indexOf(held) >= ACCESS_ROLES.indexOf(needed);
}

/** The role names that may act for `needed`, for messages ("the operator or admin token"). */
export function rolesAllowed(needed: AccessRole): AccessRole[] {
  return ACCESS_ROLES.filter((r) => canAct(r, needed));
}
