// What the DP remembers across restarts. Everything here is plain JSON, written atomically to
// DATA_DIR/state.json by the StateStore.
import type { AgentState, ImageContent } from '@castpoint/wire';

export type CastMode = 'autocast' | 'scheduled';

/** Slow-client policy: one speed for all, slower tiers, or disconnect below a rate (KB/s) to unicast. */
export type SlowPolicy = { readonly kind: 'same-speed' } | { readonly kind: 'tiers' } | { readonly kind: 'disconnect'; readonly kbps: number };

/** Per-image multicast settings (ConfigMgr's image and scheduled-multicast settings). */
export interface ImageSettings {
  /** No unicast fallback for this image. @default false */
  readonly multicastOnly: boolean;
  /** AES-256-GCM instead of HMAC authentication only. @default false */
  readonly encrypt: boolean;
  /** @default 'autocast' */
  readonly mode: CastMode;
  /** Scheduled: start once this many clients wait. */
  readonly minClients?: number;
  /** Scheduled: start this many seconds after the first request. */
  readonly startDelaySec?: number;
  /** Scheduled: start at this time (ISO 8601). */
  readonly startAt?: string;
  /** Scheduled: never wait longer than this after the first request, seconds. */
  readonly maxWaitSec?: number;
  /** @default same-speed */
  readonly slowPolicy: SlowPolicy;
}

export interface ImageRecord {
  readonly name: string;
  /** Absolute path of the image file on the DP's disk (referenced, never copied). */
  readonly file: string;
  readonly manifestHash: string;
  readonly size: number;
  readonly chunks: number;
  /** File identity at import (size and mtime), so a changed file is refused before a session. */
  readonly fileMtimeMs: number;
  readonly addedAt: string;
  readonly settings: ImageSettings;
  /** A WIM and the image index to apply (`image add --kind wim`); absent: a disk image. Fixed at import. */
  readonly content?: ImageContent;
  /** Set when a chunk read for sending failed its manifest hash: refused until re-added (security/image-integrity.ts). */
  broken?: { readonly reason: string; readonly at: string };
}

export type SessionState = 'waiting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface SessionRecord {
  readonly id: number;
  readonly image: string;
  readonly manifestHash: string;
  readonly group: string;
  readonly port: number;
  /** Unicast address and port of the session socket (NACK/status/echo/leave go there). */
  readonly senderAddress: string;
  readonly senderPort: number;
  /** Session key, base64. */
  readonly key: string;
  readonly encrypted: boolean;
  readonly mode: CastMode;
  /** Slow-client tier (0: the normal speed). */
  readonly tier: number;
  readonly rateBps: number;
  /**
   * Bytes of image per data packet, chosen when the session starts running (serve --symbol-size,
   * the MTUs of the DP and the agents: sessions/symbol-size.ts). Absent while it waits, and in
   * records from before the choice existed, which used 1400.
   */
  symbolSize?: number;
  state: SessionState;
  readonly createdAt: string;
  /** Scheduled: when it starts by time (start-at or first request + start-delay). */
  readonly startsAt?: string;
  /** Scheduled: latest start (first request + max-wait). */
  readonly deadline?: string;
  readonly minClients?: number;
  startedAt?: string;
  endedAt?: string;
  endReason?: string;
  /** Receiver ids registered in this session (every registration, including resumed ones). */
  receivers: number[];
  /** Receivers that left (kicked, silent, fell back) before completing. */
  lost?: number;
  /** Host names waiting for a scheduled start. */
  waiting: string[];
  bytesSent: number;
  packetsSent: number;
}

export type ClientState = AgentState;

export interface ClientRecord {
  /** Stable id: the first receiver id this client was given. */
  readonly id: number;
  readonly hostname: string;
  image: string;
  /** Current receiver id (the agent's senderId); every registration gets a fresh one. */
  receiverId: number;
  /** All receiver ids this client has had, oldest first. */
  receiverIds: number[];
  sessionId?: number;
  state: ClientState;
  chunksDone: number;
  totalChunks: number;
  bytesDone: number;
  rateBps: number;
  repairedSymbols: number;
  /** Fraction complete, 0..1 (from progress reports or the receiver's status packets). */
  progress: number;
  /** Slow-client tier it was demoted to. */
  tier: number;
  message?: string;
  /** Kicked to unicast by policy or the client limit. */
  fallback: boolean;
  readonly firstSeen: string;
  lastSeen: string;
  /** Address the agent's last request came from. Absent in records from before it was kept. */
  ip?: string;
  /** MACs the agent reported (its receiving interface first); absent from older agents. */
  macs?: string[];
  /** Name of the machine in the SQL store that has one of these MACs; the list shows the hostname otherwise. */
  machine?: string;
  /** When this attempt began (its first registration) and ended (first terminal state). */
  startedAt?: string;
  endedAt?: string;
  /** How the attempt ended: the terminal state it reached first. */
  result?: ClientState;
}

export interface HistoryEntry {
  readonly at: string;
  readonly event: string;
  readonly sessionId?: number;
  readonly image?: string;
  readonly clientId?: number;
  readonly detail?: string;
}

export interface Tokens {
  readonly admin: string;
  readonly client: string;
}

export interface DpState {
  readonly version: 1;
  /** DP start counter; the DP's senderId is 0x80000000 | epoch. */
  epoch: number;
  /** Next receiver id to hand out (never reused; below 0x80000000). */
  nextReceiverId: number;
  nextSessionId: number;
  tokens: Tokens;
  images: Record<string, ImageRecord>;
  sessions: SessionRecord[];
  clients: ClientRecord[];
  history: HistoryEntry[];
}

export const HISTORY_LIMIT = 5000;
