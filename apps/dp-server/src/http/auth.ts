// Bearer-token checks: 401 when no token is presented, 403 when it is the wrong one.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

function same(a: string, b: string): boolean {
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
export function requireToken(role: Role, tokens: () => { admin: string; client: string }, allowQuery = false) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const t = presentedToken(req, allowQuery);
    if (t === undefined) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="castpoint-dp"')
        .send({ error: 'UNAUTHORIZED', message: `this route needs the ${role} token (Authorization: Bearer TOKEN)` });
      return reply;
    }
    if (!same(t, tokens()[role])) {
      await reply.code(403).send({ error: 'FORBIDDEN', message: `the token presented is not the ${role} token` });
      return reply;
    }
    return undefined;
  };
}
