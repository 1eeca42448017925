// What an image's file holds (`image add --kind disk|wim [--index N]`), checked at import: a WIM
// must be a standard, whole WIM that has image N, whose size the agent needs before a byte.
import { open } from 'node:fs/promises';
import { readWimInfo, wimImage } from '@castpoint/chunking';
import type { ImageContent } from '@castpoint/wire';
import { DpError } from '../errors';

export type ImageKind = 'disk' | 'wim';

/** The kind fields of the add body (absent: a disk image). */
export interface ImageContentInput {
  kind?: ImageKind;
  /** WIM only: the image inside the WIM to apply, 1-based. @default 1 */
  wimIndex?: number;
}

/** Throws DP_BAD_SETTING for an index without --kind wim (it would be silently ignored). */
export function checkContentInput(input: ImageContentInput): void {
  if (input.wimIndex !== undefined && input.kind !== 'wim') {
    throw new DpError('DP_BAD_SETTING', '--index names an image inside a WIM: it needs --kind wim', { setting: 'index', value: String(input.wimIndex) });
  }
}

/** Reads `path`'s WIM header and XML for `--kind wim`; undefined for a disk image. */
export async function resolveImageContent(input: ImageContentInput, path: string): Promise<ImageContent | undefined> {
  checkContentInput(input);
  if (input.kind !== 'wim') return undefined;
  const index = input.wimIndex ?? 1;
  const fh = await open(path, 'r');
  try {
    const info = await readWimInfo(async (offset, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    }, path);
    return { kind: 'wim', index, totalBytes: wimImage(info, index, path).totalBytes };
  } finally {
    await fh.close();
  }
}

/** The kind column of `image list`: `disk`, or `wim:N` (the index applied). */
export function describeContent(content: ImageContent | undefined): string {
  return content ? `wim:${content.index}` : 'disk';
}
