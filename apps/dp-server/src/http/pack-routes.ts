// Unicast fallback of a compressed image (issue 26): the chunk pack's bytes by HTTP Range. The
// agent finds each chunk's frame from the manifest's compression sizes, so it downloads the
// compressed bytes, as multicast sends them, and decodes them itself.
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AGENT_API_PREFIX } from '@castpoint/wire';
import { StoredChunkIndex } from '@castpoint/chunking';
import { DpError } from '../errors';
import type { DpContext } from './context';
import { sendRange, unicastImage } from './range';
import { errorReply, nameParams } from './schemas';

/** `client`: the agent routes' token check. */
export function packRoutes(app: FastifyInstance, ctx: DpContext, client: (req: FastifyRequest, reply: FastifyReply) => Promise<void>): void {
  app.get<{ Params: { name: string } }>(
    `${AGENT_API_PREFIX}/images/:name/pack`,
    {
      onRequest: client,
      schema: {
        tags: ['agent'],
        security: [{ bearer: [] }],
        description: 'Unicast fallback of a compressed image: its chunk pack (the zstd frames of the manifest, back to back), with HTTP Range. Refused for multicast-only images.',
        params: nameParams,
        response: { 403: errorReply, 404: errorReply, 409: errorReply, 416: errorReply, 422: errorReply, 401: errorReply, 429: errorReply },
      },
    },
    async (req, reply) => {
      const img = unicastImage(ctx, req.params.name);
      const manifest = ctx.catalog.manifest(img);
      const pack = ctx.catalog.packPath(img.manifestHash, manifest);
      if (pack === undefined) {
        throw new DpError('DP_IMAGE_FILE', `image ${img.name} was imported with --no-compress: it has no chunk pack (download its content instead)`, { name: img.name });
      }
      const size = new StoredChunkIndex(manifest).total;
      const st = await stat(pack).catch((err: unknown) => {
        throw new DpError('DP_IMAGE_FILE', `cannot read the chunk pack of image ${img.name}: re-add the image`, { name: img.name }, { cause: err });
      });
      // A pack of another length is not this manifest's: its frames would land at wrong offsets.
      if (st.size !== size) {
        throw new DpError('DP_IMAGE_FILE', `the chunk pack of image ${img.name} holds ${st.size} bytes, its manifest lists ${size}: re-add the image`, { name: img.name });
      }
      return sendRange(reply, req.headers.range, pack, size, `${img.manifestHash}.zst`);
    },
  );
}
