// Agent API (client token): the contract in libs/wire/src/agent-api.ts.
import { stat } from 'node:fs/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { AGENT_API_PREFIX, type AgentProgress, type AgentRequest } from '@castpoint/wire';
import { DpError } from '../errors';
import { bootTokenKey } from '../boot/boot-token';
import { bootTokenCheck, requireToken } from './auth';
import type { DpContext } from './context';
import { recordRefusedSession, type RequestingMachine } from './refused-session-history';
import { packRoutes } from './pack-routes';
import { sendRange, unicastImage } from './range';
import { agentProgressBody, agentRequestBody, errorReply, looseObject, nameParams } from './schemas';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 429: errorReply };

// Kept importable from here (its spec and older callers).
export { parseRange } from './range';

export function agentRoutes(app: FastifyInstance, ctx: DpContext, now: () => number = Date.now): void {
  // A boot environment's agent (boot token) may ask for sessions and images like any agent.
  const client = requireToken('client', () => ctx.store.state.tokens, false, bootTokenCheck(ctx, now, bootTokenKey));
  const security = [{ bearer: [] }];

  app.post<{ Body: AgentRequest }>(
    `${AGENT_API_PREFIX}/request`,
    {
      onRequest: client,
      schema: {
        tags: ['agent'],
        security,
        description: 'Ask for an image: the reply is join (session, key, manifest), wait (retry later) or fallback (unicast).',
        body: agentRequestBody,
        response: { 200: looseObject, 422: errorReply, 503: errorReply, 507: errorReply, ...errors },
      },
    },
    async (req) => {
      const machine = await machineOf(ctx, req.body.macs, req.log);
      let reply;
      try {
        reply = await ctx.sessions.request(req.body, req.ip, machine?.name);
      } catch (err) {
        await recordRefusedSession(ctx.store.sql, machine, req.body.image, err, new Date(now()), req.log);
        throw err;
      }
      req.log.info({ image: req.body.image, hostname: req.body.hostname, status: reply.status }, 'agent request');
      return reply;
    },
  );

  app.post<{ Body: AgentProgress }>(
    `${AGENT_API_PREFIX}/progress`,
    {
      onRequest: client,
      schema: { tags: ['agent'], security, body: agentProgressBody, response: { 200: looseObject, ...errors } },
    },
    (req) => {
      const c = ctx.sessions.progress(req.body);
      return { ok: true, state: c.state };
    },
  );

  app.get<{ Params: { name: string } }>(
    `${AGENT_API_PREFIX}/images/:name/content`,
    {
      onRequest: client,
      schema: {
        tags: ['agent'],
        security,
        description: 'Unicast fallback: the image bytes, with HTTP Range (one range per request). Refused for multicast-only images.',
        params: nameParams,
        response: { 403: errorReply, 404: errorReply, 409: errorReply, 416: errorReply, 422: errorReply, 401: errorReply, 429: errorReply },
      },
    },
    async (req, reply) => {
      const img = unicastImage(ctx, req.params.name);
      const st = await stat(img.file).catch((err: unknown) => {
        throw new DpError('DP_IMAGE_FILE', `cannot read the file of image ${img.name}`, { name: img.name }, { cause: err });
      });
      // Cheap identity check on every download; a changed file must never be served as this image.
      if (st.size !== img.size || Math.trunc(st.mtimeMs) !== Math.trunc(img.fileMtimeMs)) {
        throw new DpError('DP_IMAGE_FILE', `the file of image ${img.name} changed since it was imported: re-add the image`, { name: img.name });
      }
      return sendRange(reply, req.headers.range, img.file, img.size, img.manifestHash);
    },
  );

  packRoutes(app, ctx, client);
}

/**
 * The SQL store's machine for the agent's MACs: its name for `client list`, its id for a refusal
 * in its history. A failed lookup costs the name, never the request (the hostname is shown instead).
 */
async function machineOf(ctx: DpContext, macs: readonly string[] | undefined, log: FastifyBaseLogger): Promise<RequestingMachine | undefined> {
  if (!macs || macs.length === 0) return undefined;
  try {
    return (await ctx.store.sql.machines.forMacs(macs)) ?? undefined;
  } catch (err) {
    log.warn({ err, macs }, 'machine lookup by MAC failed: client listed by host name');
    return undefined;
  }
}
