// Capture upload API (admin or capture token, or a capture grant for the image: capture-auth.ts):
// the agent's `capture` command begins with a plan, PUTs each missing data chunk as raw bytes, then
// finishes; the image then appears in GET /api/v1/images.
import { realpathSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { MAX_CHUNK_SIZE } from '@castpoint/chunking';
import { IMAGE_NAME_RE } from '../images/names';
import { CaptureUploads, type CapturePlan } from '../images/capture-uploads';
import { captureGrantKey } from '../security/capture-grant';
import { assertCaptureName, requireCapture } from './capture-auth';
import type { DpContext } from './context';
import { errorReply, imageRecord } from './schemas';

/** A plan lists one hash per chunk: 2^21 chunks is 2 TiB at 1 MiB chunks (use larger chunks above). */
export const MAX_PLAN_CHUNKS = 2 ** 21;
/** 2^21 hashes of 67 bytes each, plus the unused list and the reasons. */
const PLAN_BODY_LIMIT = 192 * 1024 * 1024;

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply, 422: errorReply };
const name = { type: 'string', pattern: IMAGE_NAME_RE.source } as const;

const planBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'size', 'chunkSize', 'hashes', 'unusedChunks', 'usedMap'],
  properties: {
    name,
    size: { type: 'integer', minimum: 1 },
    chunkSize: { type: 'integer', minimum: 4096, maximum: MAX_CHUNK_SIZE },
    hashes: { type: 'array', maxItems: MAX_PLAN_CHUNKS, items: { type: 'string', maxLength: 64 }, description: "SHA-256 (hex) of each data chunk, '' for zero and unused chunks" },
    unusedChunks: { type: 'array', maxItems: MAX_PLAN_CHUNKS, items: { type: 'integer', minimum: 0 } },
    usedMap: {
      type: 'object',
      additionalProperties: false,
      required: ['source', 'reasons'],
      properties: { source: { type: 'string', enum: ['filesystem', 'every-block'] }, reasons: { type: 'array', maxItems: 256, items: { type: 'string', maxLength: 2000 } } },
    },
  },
} as const;

const statusReply = {
  type: 'object',
  properties: { name: { type: 'string' }, dataChunks: { type: 'integer' }, missing: { type: 'array', items: { type: 'integer' } } },
} as const;

export async function captureRoutes(app: FastifyInstance, ctx: DpContext, now: () => number): Promise<void> {
  const admin = requireCapture({ tokens: () => ctx.access.get(), grantKey: () => captureGrantKey(ctx.store.state.tokens.admin), now });
  const security = [{ bearer: [] }];
  const root = ctx.settings.imageRoots[0];
  if (root === undefined) return;
  const uploads = new CaptureUploads(ctx.catalog, realpathSync(root));
  app.addHook('onClose', () => uploads.closeAll());

  // Raw chunk bodies only in this scope: the rest of the API stays JSON.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_CHUNK_SIZE }, (_req, body, done) => done(null, body));

    scope.post<{ Body: CapturePlan }>(
      '/api/v1/captures',
      {
        onRequest: admin,
        bodyLimit: PLAN_BODY_LIMIT,
        schema: { tags: ['captures'], security, description: 'Begin or resume a capture: answers the data chunks the DP still needs.', body: planBody, response: { 200: statusReply, ...errors } },
      },
      (req) => {
        assertCaptureName(req, req.body.name);
        return uploads.begin(req.body);
      },
    );

    scope.put<{ Params: { name: string; index: number }; Body: Buffer }>(
      '/api/v1/captures/:name/chunks/:index',
      {
        onRequest: admin,
        bodyLimit: MAX_CHUNK_SIZE,
        schema: {
          tags: ['captures'],
          security,
          description: 'One data chunk, raw (application/octet-stream); checked against the plan before it is written.',
          params: { type: 'object', required: ['name', 'index'], properties: { name, index: { type: 'integer', minimum: 0 } } },
          response: { 204: { type: 'null' }, ...errors },
        },
      },
      async (req, reply) => {
        assertCaptureName(req, req.params.name);
        await uploads.putChunk(req.params.name, req.params.index, req.body);
        return reply.code(204).send();
      },
    );

    scope.post<{ Params: { name: string } }>(
      '/api/v1/captures/:name/finish',
      {
        onRequest: admin,
        schema: { tags: ['captures'], security, params: { type: 'object', required: ['name'], properties: { name } }, response: { 201: imageRecord, ...errors } },
      },
      async (req, reply) => {
        assertCaptureName(req, req.params.name);
        const rec = await uploads.finish(req.params.name);
        app.log.info({ image: rec.name, file: rec.file, manifestHash: rec.manifestHash }, 'captured image added');
        ctx.sessions.emit('change');
        return reply.code(201).send(rec);
      },
    );

    scope.delete<{ Params: { name: string } }>(
      '/api/v1/captures/:name',
      { onRequest: admin, schema: { tags: ['captures'], security, params: { type: 'object', required: ['name'], properties: { name } }, response: { 204: { type: 'null' }, ...errors } } },
      async (req, reply) => {
        assertCaptureName(req, req.params.name);
        await uploads.drop(req.params.name);
        return reply.code(204).send();
      },
    );
  });
}
