// Pure builders of what the manager hands out: the agent's join and wait replies, the runner's
// spec, and the words a session ends with.
import type { KeyObject } from 'node:crypto';
import { AGENT_API_PREFIX, WIRE_VERSION, type AgentRequestReply, type Manifest } from '@castpoint/wire';
import type { ImageRecord, SessionRecord } from '../state/types';
import type { RunnerSpec } from './runner';

/**
 * Where an agent downloads the image's chunks by HTTP Range: the image itself, or for a compressed
 * manifest its chunk pack (the agent finds each chunk's frame from the manifest's sizes, and
 * decodes it as it decodes a multicast one).
 */
export function contentPath(image: string, manifest?: Pick<Manifest, 'compression'>): string {
  return `${AGENT_API_PREFIX}/images/${encodeURIComponent(image)}/${manifest?.compression === undefined ? 'content' : 'pack'}`;
}

export function joinReply(
  s: SessionRecord,
  img: ImageRecord,
  manifest: Manifest,
  receiverId: number,
  symbolSize: number,
  blockSymbols: number,
  signingKey: string,
): AgentRequestReply {
  return {
    status: 'join',
    receiverId,
    // Every registration gets a fresh receiver id, so the agent's senderId is simply that id.
    senderId: receiverId,
    manifest,
    // A WIM is staged and applied by the agent (issue 27): it must know before it opens the target.
    ...(img.content ? { content: img.content } : {}),
    session: {
      id: s.id,
      image: img.name,
      group: s.group,
      port: s.port,
      senderAddress: s.senderAddress,
      senderPort: s.senderPort,
      symbolSize,
      blockSymbols,
      encrypted: s.encrypted,
      key: s.key,
      manifestHash: s.manifestHash,
      fallbackAllowed: !img.settings.multicastOnly,
      contentPath: contentPath(img.name, manifest),
      mode: s.mode,
      protocolVersion: WIRE_VERSION,
      signingKey,
    },
  };
}

/** The `wait` answer while a scheduled session has not started (admission.ts: not-started). */
export function notStartedReply(s: SessionRecord, retryAfterMs: number): AgentRequestReply {
  return {
    status: 'wait',
    retryAfterMs,
    reason: 'scheduled session has not started yet',
    ...(s.startsAt !== undefined ? { startsAt: s.startsAt } : {}),
    clientsWaiting: s.waiting.length,
    ...(s.minClients !== undefined ? { minClients: s.minClients } : {}),
  };
}

export function runnerSpec(
  s: SessionRecord,
  img: ImageRecord,
  manifest: Manifest,
  o: { receivers: readonly number[]; senderId: number; ttl: number; symbolSize: number; blockSymbols: number; signer: KeyObject; packFile?: string | undefined; startAtCap?: boolean },
): RunnerSpec {
  return {
    sessionId: s.id,
    senderId: o.senderId,
    group: s.group,
    port: s.port,
    interfaceAddress: s.senderAddress,
    senderPort: s.senderPort,
    ttl: o.ttl,
    key: new Uint8Array(Buffer.from(s.key, 'base64')),
    encrypted: s.encrypted,
    rateBytesPerSec: s.rateBps,
    ...(o.startAtCap === true ? { startAtCap: true } : {}),
    slowPolicy: img.settings.slowPolicy,
    imageFile: img.file,
    imageMtimeMs: img.fileMtimeMs,
    manifest,
    ...(o.packFile !== undefined ? { packFile: o.packFile } : {}),
    symbolSize: o.symbolSize,
    blockSymbols: o.blockSymbols,
    receivers: [...o.receivers],
    signer: o.signer,
  };
}

export function doneReason(s: SessionRecord): string {
  const lost = s.lost ?? 0;
  if (lost === 0) return s.receivers.length > 0 ? 'every receiver is complete' : 'no receivers left';
  return `${s.receivers.length} receiver(s) complete, ${lost} left before completing (see clients)`;
}
