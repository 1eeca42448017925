// JSON bodies of the agent <-> DP HTTP channel (authenticated by the client token, over which the
// session key travels). Both apps import these types, so the contract lives in one place.
import type { Manifest } from './manifest';
import type { ReceiverState } from './messages';

export const AGENT_API_PREFIX = '/api/v1/agent';

/** POST {prefix}/request: "I want this image". */
export interface AgentRequest {
  readonly image: string;
  /** Host name of the machine being imaged, for the dashboard. */
  readonly hostname: string;
  /**
   * The machine's MACs ("aa:bb:cc:dd:ee:ff", at most 64), the interface it receives on first: the
   * DP shows them and names the machine by them. Absent from older agents.
   */
  readonly macs?: readonly string[];
  /** A receiver id this agent had before (resume after reboot or DP restart); the DP may reuse it. */
  readonly previousReceiverId?: number;
  /** Chunks the agent already holds verified (journal), so the DP can show true progress. */
  readonly chunksDone?: number;
  /**
   * The MTU of the interface the agent receives multicast on (576-65535; a larger one, loopback's
   * 65536, is sent as 65535). The DP picks each session's symbol size so that its data packets fit
   * every receiver's MTU unfragmented (jumbo frames: up to 8900-byte symbols), and sends an agent
   * whose MTU cannot carry a running session's packets to unicast (docs/protocol.md, "Symbol size
   * and MTU"). Absent (older agents, or the MTU is unknown, as on Windows): 1500.
   */
  readonly mtu?: number;
}

/** The MTU the DP assumes for an agent that does not report one. */
export const ASSUMED_AGENT_MTU = 1500;
/** The largest `mtu` a request may carry (an IPv4 packet's limit). */
export const MAX_REPORTED_MTU = 65_535;

/** Everything an agent needs to join a multicast session. */
export interface SessionInfo {
  readonly id: number;
  readonly image: string;
  /** Multicast group and UDP port the DP sends to. */
  readonly group: string;
  readonly port: number;
  /** The DP's unicast address and port for NACK/status/echo/leave (the session socket). */
  readonly senderAddress: string;
  readonly senderPort: number;
  /**
   * Bytes of image data per data packet: 1400 fits a 1500-byte MTU with headers; a session whose
   * receivers all reported a larger MTU may use more (up to 8900 for 9000-byte jumbo frames).
   */
  readonly symbolSize: number;
  /** Source symbols per block (k) for full blocks. */
  readonly blockSymbols: number;
  /** True: AES-256-GCM; false: HMAC-SHA-256/128 authentication only. */
  readonly encrypted: boolean;
  /** Session key, base64 (32 bytes). */
  readonly key: string;
  /** Manifest hash (hex) this session sends. */
  readonly manifestHash: string;
  /** Unicast fallback allowed for this image (not multicast-only). */
  readonly fallbackAllowed: boolean;
  /** Path (on the DP's HTTP listener) of the image content for Range downloads. */
  readonly contentPath: string;
  readonly mode: 'autocast' | 'scheduled';
  /**
   * Wire protocol version the DP speaks (`WIRE_VERSION`). An agent that speaks another one must not
   * join (its packets would all be dropped as `WIRE_BAD_VERSION`); it can fall back to unicast.
   * Absent: version 1.
   */
  readonly protocolVersion?: number;
  /**
   * The DP's Ed25519 public key, raw 32 bytes in base64. Announce and kick packets carry its
   * signature; an agent drops those that do not verify (docs/protocol.md, "DP signatures"). The
   * session key cannot tell the DP from another agent of the session; this key can.
   */
  readonly signingKey?: string;
}

/**
 * What the image's bytes are, when they are not a disk image written as is. A WIM is received into
 * a staging file and applied (layout, file system, wimlib or DISM) to the target disk.
 */
export type ImageContent = { readonly kind: 'wim'; readonly index: number; readonly totalBytes: number };

export type AgentRequestReply =
  | {
      readonly status: 'join';
      /** Absent: a disk image, written to the target as it is. */
      readonly content?: ImageContent;
      readonly receiverId: number;
      readonly session: SessionInfo;
      readonly manifest: Manifest;
      /**
       * Envelope `senderId` this agent uses for every packet it sends in this session (below
       * 0x80000000). FRESH FOR EVERY REGISTRATION, even when `receiverId` is reused on resume: the
       * agent restarts its seq at 0, and with AES-GCM a reused (senderId, seq) pair would repeat a
       * nonce (docs/protocol.md). Absent: the agent uses `receiverId`, and the DP must then never
       * hand the same receiverId out twice under one session key.
       */
      readonly senderId?: number;
    }
  /** Scheduled session not started yet, or the client limit is reached and fallback is not allowed. */
  | { readonly status: 'wait'; readonly retryAfterMs: number; readonly reason: string; readonly startsAt?: string; readonly clientsWaiting?: number; readonly minClients?: number }
  /** Over the client limit (or policy) with fallback allowed: download by unicast instead. */
  | { readonly status: 'fallback'; readonly receiverId: number; readonly reason: string; readonly manifest: Manifest; readonly contentPath: string; readonly content?: ImageContent };

export type AgentState = ReceiverState | 'fallback';

/** POST {prefix}/progress: periodic report (also sent while on unicast fallback). */
export interface AgentProgress {
  readonly receiverId: number;
  readonly sessionId?: number;
  readonly image: string;
  readonly state: AgentState;
  readonly chunksDone: number;
  readonly totalChunks: number;
  readonly bytesDone: number;
  /** Goodput, bytes/s. */
  readonly rateBps: number;
  /** Symbols rebuilt by FEC or received as repairs. */
  readonly repairedSymbols: number;
  readonly message?: string;
}
