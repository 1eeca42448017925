// Bearer-token checks: 401 when no token is presented, 403 when it is the wrong one. Agents'
// routes take the client token (requireToken); the admin API takes a role's (requireRole).
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_ROLES, canAct, rolesAllowed, type AccessRole, type AccessTokens } from '../security/roles';
import { roleForRoute } from './route-roles';
import { looksLikeBootToken, verifyBootToken } from '../boot/boot-token';
import { BootError } from '../boot/errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request came with a boot token: the one MAC it may act for. */
    bootMac?: string;
  }
}

/**
 * Boot tokens (boot/boot-token.ts) in place of the client token: `key` is undefined while the boot
 * service is off, and then none is accepted.
 */
export interface BootTokenCheck {
  readonly key: () => Buffer | undefined;
  readonly now: () => number;
}

export function sameToken(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function presentedToken(req: FastifyRequest, allowQuery: boolean): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m?.[1];
  }
  if (allowQuery) {
    const q = (req.query as { token?: unknown } | undefined)?.token;
    if (typeof q === 'string' && q !== '') return q;
  }
  return undefined;
}

export type Role = 'admin' | 'client';

/**
 * An onRequest hook that lets a request through only with the token of `role`. It runs before the
 * body is read and validated: a caller without the token gets 401/403 whatever it sent, never a 400
 * that tells it what the route expects (until 2026-12 it ran after validation, as a preHandler).
 */
export function requireToken(role: Role, tokens: () => { admin: string; client: string }, allowQuery = false, boot?: BootTokenCheck) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const t = presentedToken(req, allowQuery);
    if (t === undefined) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="castpoint-dp"')
        .send({ error: 'UNAUTHORIZED', message: `this route needs the ${role} token (Authorization: Bearer TOKEN)` });
      return reply;
    }
    const bootKey = role === 'client' && looksLikeBootToken(t) ? boot?.key() : undefined;
    if (bootKey) {
      try {
        req.bootMac = verifyBootToken(bootKey, t, boot?.now() ?? Date.now()).mac;
        return undefined;
      } catch (err) {
        await reply.code(403).send({ error: 'DP_BOOT_TOKEN', message: (err as Error).message });
        return reply;
      }
    }
    if (!sameToken(t, tokens()[role])) {
      await reply.code(403).send({ error: 'FORBIDDEN', message: `the token presented is not the ${role} token` });
      return reply;
    }
    return undefined;
  };
}

/** The role whose token `t` is (the client token is none of them). */
export function roleOfToken(t: string, tokens: AccessTokens): AccessRole | undefined {
  // Every role compared, always: the time taken says nothing about which one matched.
  let found: AccessRole | undefined;
  for (const r of ACCESS_ROLES) if (sameToken(t, tokens[r])) found = r;
  return found;
}

/**
 * An onRequest hook for the admin API and the dashboard: the token presented must be one of the
 * roles' and that role must reach the one the route table (route-roles.ts) names for the route.
 * 401 without a token, 403 with a wrong one or a role too low (the message says which it needs).
 */
export function requireRole(tokens: () => AccessTokens, allowQuery = false) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const needed = roleForRoute(req.method, req.routeOptions.url ?? '');
    const allowed = `the ${rolesAllowed(needed).join(' or ')} token`;
    const t = presentedToken(req, allowQuery);
    if (t === undefined) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="castpoint-dp"')
        .send({ error: 'UNAUTHORIZED', message: `this route needs ${allowed} (Authorization: Bearer TOKEN)` });
      return reply;
    }
    const held = roleOfToken(t, tokens());
    if (held === undefined) {
      const what = sameToken(t, tokens().capture) ? 'the capture token, which may only capture' : 'not a token of this DP';
      await reply.code(403).send({ error: 'FORBIDDEN', message: `the token presented is ${what} (this route needs ${allowed})` });
      return reply;
    }
    if (!canAct(held, needed)) {
      await reply.code(403).send({ error: 'FORBIDDEN', message: `this route needs ${allowed}; the token presented is the ${held} token` });
      return reply;
    }
    return undefined;
  };
}

/**
 * A boot token acts for its own machine only: the MACs a request names must include it. Requests
 * with the client token (req.bootMac unset) are not limited here.
 */
export function assertBootMachine(req: FastifyRequest, macs: readonly string[]): void {
  if (req.bootMac === undefined) return;
  const own = req.bootMac;
  if (!macs.some((m) => m.toLowerCase().replace(/[-:]/g, '') === own.replace(/:/g, ''))) {
    throw new BootError('DP_BOOT_TOKEN', `this boot token was issued to ${own}, not to a machine with MACs ${macs.join(', ')}`, { mac: own });
  }
}

/** The boot-token check of an app: on only while the boot service is. */
export function bootTokenCheck(ctx: { settings: { boot?: unknown }; store: { state: { tokens: { admin: string } } } }, now: () => number, keyOf: (admin: string) => Buffer): BootTokenCheck {
  return { key: () => (ctx.settings.boot ? keyOf(ctx.store.state.tokens.admin) : undefined), now };
}
