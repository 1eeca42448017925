// Admin REST API: images, sessions, clients, history, and the live event stream. Each route needs
// the role the route table names (route-roles.ts): viewer, operator or admin.
import type { FastifyInstance } from 'fastify';
import { DpError } from '../errors';
import type { ImageContentInput } from '../images/image-content';
import type { ImageSettingsInput } from '../images/settings';
import { presentedToken, requireRole, roleOfToken } from './auth';
import { snapshot } from '../dashboard/snapshot';
import type { DpContext } from './context';
import {
  addImageBody,
  errorReply,
  eventsQuery,
  idParams,
  imageRecord,
  imageSettings,
  importList,
  looseArray,
  looseObject,
  nameParams,
  startSessionBody,
} from './schemas';

const whoami = { type: 'object', additionalProperties: false, required: ['role'], properties: { role: { type: 'string', enum: ['viewer', 'operator', 'admin'] } } } as const;

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };

export function adminRoutes(app: FastifyInstance, ctx: DpContext, now: () => number): void {
  const admin = requireRole(() => ctx.access.get());
  const adminOrQuery = requireRole(() => ctx.access.get(), true);
  const security = [{ bearer: [] }];
  // Open event streams, ended when the server closes (they would hold it open otherwise).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get(
    '/api/v1/whoami',
    { onRequest: admin, schema: { tags: ['dashboard'], security, description: 'The role of the token presented (viewer, operator or admin): the dashboard shows only what it may do.', response: { 200: whoami, ...errors } } },
    (req) => ({ role: roleOfToken(presentedToken(req, false) ?? '', ctx.access.get()) }),
  );

  app.get('/api/v1/images', { onRequest: admin, schema: { tags: ['images'], security, response: { 200: { type: 'array', items: imageRecord }, ...errors } } }, () =>
    ctx.catalog.list().map((i) => (ctx.catalog.isOutsideRoots(i.name) ? { ...i, outsideRoots: true } : i)),
  );

  app.post<{ Body: ImageSettingsInput & ImageContentInput & { name: string; file: string; usedBlocks?: boolean; compress?: boolean; compressLevel?: number } }>(
    '/api/v1/images',
    { onRequest: admin, schema: { tags: ['images'], security, body: addImageBody, response: { 201: imageRecord, 422: errorReply, ...errors } } },
    async (req, reply) => {
      const { name, file, usedBlocks, compress, compressLevel, kind, wimIndex, ...settings } = req.body;
      const content = { ...(kind !== undefined ? { kind } : {}), ...(wimIndex !== undefined ? { wimIndex } : {}) };
      const options = { ...(usedBlocks === true ? { mapUsedBlocks: true } : {}), compressLevel: ctx.catalog.compressionOf(compress, compressLevel) };
      const rec = await ctx.catalog.add(name, file, settings, options, content);
      app.log.info({ image: name, file: rec.file, manifestHash: rec.manifestHash }, 'image added');
      ctx.sessions.emit('change');
      return reply.code(201).send(rec);
    },
  );

  app.get(
    '/api/v1/imports',
    {
      onRequest: admin,
      schema: { tags: ['images'], security, description: 'Imports under way (POST /api/v1/images answers when the file is read): bytes read of the size.', response: { 200: importList, ...errors } },
    },
    () => ctx.catalog.importing.list(),
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/images/:name',
    { onRequest: admin, schema: { tags: ['images'], security, params: nameParams, response: { 200: imageRecord, ...errors } } },
    (req) => ctx.catalog.get(req.params.name),
  );

  app.patch<{ Params: { name: string }; Body: ImageSettingsInput }>(
    '/api/v1/images/:name',
    { onRequest: admin, schema: { tags: ['images'], security, params: nameParams, body: imageSettings, response: { 200: imageRecord, ...errors } } },
    (req) => {
      const rec = ctx.catalog.update(req.params.name, req.body);
      ctx.sessions.emit('change');
      return rec;
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/images/:name',
    { onRequest: admin, schema: { tags: ['images'], security, params: nameParams, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const name = req.params.name;
      ctx.catalog.get(name);
      if (ctx.sessions.hasLiveSession(name)) {
        throw new DpError('DP_IMAGE_BUSY', `image ${name} has a live session: cancel it first`, { name });
      }
      ctx.catalog.remove(name);
      ctx.sessions.emit('change');
      return reply.code(204).send();
    },
  );

  app.get('/api/v1/sessions', { onRequest: admin, schema: { tags: ['sessions'], security, response: { 200: looseArray, ...errors } } }, () =>
    ctx.sessions.list().map((s) => ({ ...s, key: undefined, stats: ctx.sessions.stats(s.id) ?? null })),
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/sessions/:id',
    { onRequest: admin, schema: { tags: ['sessions'], security, params: idParams, response: { 200: looseObject, ...errors } } },
    (req) => {
      const s = ctx.sessions.get(req.params.id);
      return { ...s, key: undefined, stats: ctx.sessions.stats(s.id) ?? null };
    },
  );

  app.post<{ Body: { image: string } }>(
    '/api/v1/sessions',
    { onRequest: admin, schema: { tags: ['sessions'], security, body: startSessionBody, response: { 201: looseObject, 422: errorReply, 503: errorReply, ...errors } } },
    async (req, reply) => {
      const s = await ctx.sessions.startNow(req.body.image);
      return reply.code(201).send({ ...s, key: undefined });
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/v1/sessions/:id',
    { onRequest: admin, schema: { tags: ['sessions'], security, params: idParams, response: { 200: looseObject, ...errors } } },
    async (req) => {
      const s = await ctx.sessions.cancel(req.params.id);
      return { ...s, key: undefined };
    },
  );

  app.get('/api/v1/clients', { onRequest: admin, schema: { tags: ['clients'], security, response: { 200: looseArray, ...errors } } }, () =>
    ctx.sessions.clients.list(),
  );

  app.get('/api/v1/history', { onRequest: admin, schema: { tags: ['history'], security, response: { 200: looseArray, ...errors } } }, () =>
    ctx.store.state.history.slice(-500),
  );

  app.get('/api/v1/status', { onRequest: admin, schema: { tags: ['dashboard'], security, response: { 200: looseObject, ...errors } } }, () =>
    snapshot(ctx, now()),
  );

  app.get<{ Querystring: { token?: string; once?: boolean } }>(
    '/api/v1/events',
    {
      onRequest: adminOrQuery,
      schema: {
        tags: ['dashboard'],
        security,
        querystring: eventsQuery,
        description: 'Server-sent events: a `snapshot` event (the /api/v1/status body) at once and after every change.',
      },
    },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      const send = (): void => {
        res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot(ctx, now()))}\n\n`);
      };
      send();
      if (req.query.once) {
        res.end();
        return;
      }
      // Coalesce bursts of changes (a progress report per agent per second) into one event per 250 ms.
      let pending: NodeJS.Timeout | undefined;
      const onChange = (): void => {
        pending ??= setTimeout(() => {
          pending = undefined;
          send();
        }, 250);
      };
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      ctx.sessions.on('change', onChange);
      const stop = (): void => {
        streams.delete(stop);
        ctx.sessions.off('change', onChange);
        clearInterval(heartbeat);
        if (pending) clearTimeout(pending);
        res.end();
      };
      streams.add(stop);
      req.raw.on('close', stop);
    },
  );
}
