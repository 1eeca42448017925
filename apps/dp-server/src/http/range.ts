// HTTP Range of the unicast downloads (image content, chunk pack), and the checks both make first.
import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { DpError } from '../errors';
import type { ImageRecord } from '../state/types';
import { assertNotBroken } from '../security/image-integrity';
import type { DpContext } from './context';

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range of a `size`-byte body, inclusive; undefined: whole body. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) {
    throw new DpError('DP_BAD_RANGE', `unsupported Range ${JSON.stringify(header)}: send one range, bytes=FIRST-LAST`, { header, size });
  }
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (!(start <= end) || start >= size) {
    throw new DpError('DP_BAD_RANGE', `Range ${header} is outside the image (${size} bytes)`, { header, size });
  }
  return { start, end };
}

/** The image named, if it may be downloaded by unicast: known, servable, not broken, not multicast-only. */
export function unicastImage(ctx: DpContext, name: string): ImageRecord {
  const img = ctx.catalog.get(name);
  ctx.catalog.assertServable(img);
  assertNotBroken(img);
  if (img.settings.multicastOnly) {
    throw new DpError('DP_FALLBACK_FORBIDDEN', `image ${img.name} is multicast-only: unicast download refused`, { name: img.name });
  }
  return img;
}

/** Sends `file` (`size` bytes) whole (200) or the request's one Range of it (206). */
export function sendRange(reply: FastifyReply, rangeHeader: string | undefined, file: string, size: number, etag: string): FastifyReply {
  const range = parseRange(rangeHeader, size);
  void reply.header('accept-ranges', 'bytes').header('content-type', 'application/octet-stream').header('etag', `"${etag}"`);
  if (size === 0) return reply.code(200).header('content-length', 0).send('');
  if (!range) return reply.code(200).header('content-length', size).send(createReadStream(file));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(file, { start: range.start, end: range.end }));
}
