// The dashboard's routes: the page, its chart library, the refused agent requests; and the
// once-a-tick rate sample its chart draws.
import type { FastifyInstance } from 'fastify';
import type { DpContext } from '../http/context';
import { errorReply, looseArray } from '../http/schemas';
import type { requireRole } from '../http/auth';
import { loadDashboardAssets } from './assets';
import { DASHBOARD_HTML } from './page';

/** Everything the page loads is on this server; nothing else may load or be called. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'";

export function dashboardRoutes(app: FastifyInstance, ctx: DpContext, viewer: ReturnType<typeof requireRole>): void {
  const assets = loadDashboardAssets();
  if (!assets.has('uplot.js')) app.log.warn('dashboard: the uplot package was not found; the throughput chart is left out');
  app.get('/', { schema: { hide: true } }, (_req, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', DASHBOARD_CSP)
      .send(DASHBOARD_HTML),
  );
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, (req, reply) => {
    const a = assets.get(req.params.name);
    if (!a) return reply.code(404).send({ error: 'NOT_FOUND', message: `no dashboard asset ${req.params.name}` });
    return reply.header('content-type', a.type).header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(a.body);
  });
  app.get(
    '/api/v1/refusals',
    {
      onRequest: viewer,
      schema: {
        tags: ['dashboard'],
        security: [{ bearer: [] }],
        description: 'Agent requests the DP refused (unknown or changed image, wrong token, bad body, limits), newest first; the newest 500, kept in the database across restarts.',
        response: { 200: looseArray, 401: errorReply, 403: errorReply },
      },
    },
    () => ctx.dashboard.refusals.recent(),
  );
}

/** One rate sample per running session (the app's once-a-second timer). */
export function sampleRates(ctx: DpContext, nowMs: number): void {
  const running = ctx.sessions.list().filter((s) => s.state === 'running');
  ctx.dashboard.rates.sample(
    nowMs,
    running.map((s) => ({ id: s.id, bytesPerSec: ctx.sessions.stats(s.id)?.throughputBps ?? 0 })),
  );
}
