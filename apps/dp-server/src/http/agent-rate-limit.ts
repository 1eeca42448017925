// Per-source rate limits on the agent API (@fastify/rate-limit). The default is far above what a
// LAN of 200 agents behind one NAT asks: each agent reports progress once a second, asks for its
// session about twice a second while it waits (long poll), and in unicast fallback fetches one
// 1 MiB chunk per request (a 1 Gbit/s link carries ~120 of those a second, for all agents
// together). 200 agents stay under ~400 requests/s; the limit is 1000/s (60000 a minute).
// What it stops is one source flooding the DP beyond anything a LAN of agents does.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { agentRoutes } from './agent-routes';
import type { DpContext } from './context';

/** The window the limit counts in. */
export const AGENT_RATE_WINDOW_MS = 60_000;

/**
 * The agent routes in their own scope, where every route shares one count per source address
 * (`settings.agentRateLimit` requests a minute; 0: no limit). The admin API and the dashboard are
 * outside it.
 */
export async function registerAgentApi(app: FastifyInstance, ctx: DpContext, now: () => number = Date.now, more?: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    const max = ctx.settings.agentRateLimit;
    if (max > 0) {
      await scope.register(rateLimit, {
        max,
        timeWindow: AGENT_RATE_WINDOW_MS,
        errorResponseBuilder: (_req: FastifyRequest, c: { max: number; after: string }) => ({
          statusCode: 429,
          code: 'RATE_LIMITED',
          message: `more than ${c.max} agent requests a minute from this address; retry in ${c.after}`,
        }),
      });
    }
    agentRoutes(scope, ctx, now);
    // The network-boot routes answer machines before any token exists: the same per-source limit.
    more?.(scope);
  });
}
