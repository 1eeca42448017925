// HTTP Range of the unicast downloads (image content, chunk pack).
import { DpError } from '../errors';

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
