// GET /healthz: up, and whether the DP can save its state. While it cannot (a full disk), the DP
// keeps its running sessions but refuses new ones and imports (507): the health check says so
// (503) so that monitoring notices before an administrator does.
import type { FastifyInstance } from 'fastify';
import type { DpContext } from './context';

const storage = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, code: { type: 'string' }, error: { type: 'string' }, since: { type: 'string' }, failures: { type: 'integer' } },
} as const;
const body = { type: 'object', properties: { ok: { type: 'boolean' }, epoch: { type: 'integer' }, storage } } as const;

export function healthRoutes(app: FastifyInstance, ctx: DpContext): void {
  app.get('/healthz', { schema: { tags: ['metrics'], response: { 200: body, 503: body } } }, (_req, reply) => {
    const h = ctx.store.health;
    const { failuresTotal: _total, ...shown } = h;
    return reply.code(h.ok ? 200 : 503).send({ ok: h.ok, epoch: ctx.store.state.epoch, storage: shown });
  });
}
