// Who may use the capture routes (issue 26): the admin token, the capture token (which opens
// nothing else), or a capture grant (security/capture-grant.ts) for the one image it names. The
// client token every agent carries never may: a captured image lands on other machines' disks.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DpError } from '../errors';
import { looksLikeCaptureGrant, verifyCaptureGrant, type CaptureGrant } from '../security/capture-grant';
import type { AccessTokens } from '../security/roles';
import { presentedToken, roleOfToken, sameToken } from './auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request came with a capture grant: the one image it may capture. */
    captureGrant?: CaptureGrant;
  }
}

const WHO = 'the admin or capture token, or a capture grant from a capture deployment';

export interface CaptureAuth {
  readonly tokens: () => AccessTokens;
  readonly grantKey: () => Buffer;
  readonly now: () => number;
}

/** onRequest hook of every capture route: 401 without a token, 403 with one that may not capture. */
export function requireCapture(auth: CaptureAuth) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const t = presentedToken(req, false);
    if (t === undefined) {
      await reply.code(401).header('www-authenticate', 'Bearer realm="castpoint-dp"').send({ error: 'UNAUTHORIZED', message: `capturing needs ${WHO} (Authorization: Bearer TOKEN)` });
      return reply;
    }
    if (looksLikeCaptureGrant(t)) {
      try {
        req.captureGrant = verifyCaptureGrant(auth.grantKey(), t, auth.now());
        return undefined;
      } catch (err) {
        if (!(err instanceof DpError)) throw err;
        await reply.code(403).send({ error: err.code, message: err.message });
        return reply;
      }
    }
    const tokens = auth.tokens();
    // Both compared, always: the time taken says nothing about which one matched.
    const isCapture = sameToken(t, tokens.capture);
    const role = roleOfToken(t, tokens);
    if (isCapture || role === 'admin') return undefined;
    const held = sameToken(t, tokens.client) ? 'the client token' : role !== undefined ? `the ${role} token` : 'not a token of this DP';
    await reply.code(403).send({ error: 'FORBIDDEN', message: `capturing needs ${WHO}; the token presented is ${held}` });
    return reply;
  };
}

/** A grant captures only the image it was issued for; the tokens are not limited here. */
export function assertCaptureName(req: FastifyRequest, name: string): void {
  const g = req.captureGrant;
  if (g !== undefined && g.image !== name) {
    throw new DpError('DP_CAPTURE_GRANT', `this capture grant was issued for image ${g.image}, not ${name}`, { image: g.image });
  }
}
