// An image whose file no longer matches its manifest: edited in place with its mtime put back
// (`touch -r`), so the identity check and the 8-chunk sample at session start both pass, and only
// the hash check of each chunk read for sending (ChunkSource, verifyReads) finds it. Without a
// record of it, every new session failed at the same chunk and agents asked again for ever. So the
// first mismatch marks the image broken, persisted with the state, and it is refused (409
// DP_IMAGE_BROKEN) for sessions and downloads until it is removed and added again.
import { isCastpointError } from '@castpoint/wire';
import { DpError } from '../errors';
import type { ImageRecord } from '../state/types';

/** The record's broken mark: why and when (ImageRecord.broken). */
export interface BrokenMark {
  readonly reason: string;
  readonly at: string;
}

/** The reason an error proves the image file broken (a read that fails its manifest hash), else undefined. */
export function brokenBy(err: unknown): string | undefined {
  return isCastpointError(err, 'CHUNKING_IMAGE_CHANGED') ? err.message : undefined;
}

/** Marks the image broken (first reason kept). The caller saves the state. */
export function markBroken(img: ImageRecord, reason: string, nowMs: number): BrokenMark {
  img.broken ??= { reason, at: new Date(nowMs).toISOString() };
  return img.broken;
}

/** What agents and the admin read: the image, why, and what to do. */
export function brokenMessage(img: ImageRecord): string {
  return `image ${img.name} is broken on the DP (${img.broken?.reason ?? 'its file does not match its manifest'}): remove it and add it again`;
}

/** Refuses a broken image (sessions, downloads). */
export function assertNotBroken(img: ImageRecord): void {
  if (img.broken) throw new DpError('DP_IMAGE_BROKEN', brokenMessage(img), { name: img.name, since: img.broken.at });
}
