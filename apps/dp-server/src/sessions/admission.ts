// What the DP does with an agent's request for an image: the rules, as one pure function over what
// the manager knows, so that each rule has a row in admission.spec.ts. The manager (manager.ts)
// carries the decision out: it finds or creates the session, starts it, holds the request, and
// registers the agent.
//
// Three different things make an agent wait, and each has its own name here:
// - `hold`: the HTTP request is parked (long poll) until the scheduled session starts;
// - `not-started`: the answer `wait` because the scheduled session has not started yet;
// - `full`: the answer `wait` because the client limit is reached and the image is multicast-only,
//   or because the agent's MTU cannot carry the running session's packets (`mtu-too-small`).
import type { SessionState } from '../state/types';
import { retryAfterMs, startReason, type ScheduledTimes, type StartReason } from './schedule';
import { fitsMtu, mtuTooSmallReason } from './symbol-size';

/** After a held request ran out (longPollMs), the agent asks again this soon. */
export const HELD_RETRY_MS = 250;
/** An agent turned away by the client limit from a multicast-only image asks again this soon. */
export const FULL_RETRY_MS = 5000;

export interface AdmissionRequest {
  /** `hostname@address`: tells apart machines waiting for a scheduled start (one preinstall image, one host name). */
  readonly waiter: string;
  /** The client the agent was before (its previous receiver id, for the same image), if any. */
  readonly client?: { readonly fallback: boolean; readonly tier: number } | undefined;
  /** The administrator cancelled the session this agent waited for, and it was not told yet. */
  readonly cancelNoticeDue: boolean;
  /** This request was held (long poll) and is answered now: never held twice. */
  readonly wasHeld: boolean;
  /** The MTU the agent reported (1500 when it did not). */
  readonly mtu: number;
}

export interface AdmissionImage {
  readonly multicastOnly: boolean;
  /** Every chunk of the image is zeros: nothing travels (zero chunks never do). */
  readonly allZeros: boolean;
}

/** The session for the agent's image and tier; undefined while the manager has not looked it up. */
export interface AdmissionSession extends ScheduledTimes {
  readonly state: SessionState;
  /** Agents waiting for its scheduled start. */
  readonly waiting: readonly string[];
  /** Bytes per data packet, fixed when it started running (undefined while it waits). */
  readonly symbolSize?: number;
}

export interface AdmissionLimits {
  /** --max-clients: agents receiving by multicast at once, over all sessions. */
  readonly maxClients: number;
  /** Agents receiving by multicast now, this agent's own client not counted. */
  readonly activeClients: number;
  /** How long a request for a waiting session is held; 0 answers at once. */
  readonly longPollMs: number;
}

/** Refused (410): the session this agent waited for was cancelled. */
export interface Cancelled {
  readonly kind: 'cancelled';
}
/** Answered `fallback`: download by unicast. */
export interface Fallback {
  readonly kind: 'fallback';
  readonly reason: string;
}
/** Answered `fallback` with no session at all: there is nothing to send; the agent writes the zeros. */
export interface NothingToSend {
  readonly kind: 'nothing-to-send';
  readonly reason: string;
}
/** Look up (or create) the session of this tier, then admit again. */
export interface FindSession {
  readonly kind: 'find-session';
  readonly tier: number;
}
/** This request completes the waiting session's start condition: start it, then admit again. */
export interface Start {
  readonly kind: 'start';
  readonly why: StartReason;
}
/** Park the request until the session starts or ends, or `ms`; then admit again (wasHeld). */
export interface Hold {
  readonly kind: 'hold';
  readonly ms: number;
}
/** Answered `wait`: the scheduled session has not started. */
export interface NotStarted {
  readonly kind: 'not-started';
  readonly retryAfterMs: number;
}
/**
 * Answered `wait`: the client limit is reached, or the agent's MTU is too small for the running
 * session's packets (it gets a session of its own size once this one ended), and the image allows
 * no unicast.
 */
export interface Full {
  readonly kind: 'full';
  readonly retryAfterMs: number;
  readonly reason: string;
}
/** Register the agent as a receiver of the session and answer `join`. */
export interface Join {
  readonly kind: 'join';
}

/** Decisions before the session is looked up. */
export type BeforeSession = Cancelled | Fallback | NothingToSend | FindSession;
/** Decisions about the agent's session. */
export type InSession = Cancelled | Fallback | Start | Hold | NotStarted | Full | Join;
export type Admission = BeforeSession | InSession;

/** The next step for `req`; `session` undefined until the manager looked it up (find-session). */
export function admit(req: AdmissionRequest, image: AdmissionImage, session: undefined, limits: AdmissionLimits, nowMs: number): BeforeSession;
export function admit(req: AdmissionRequest, image: AdmissionImage, session: AdmissionSession, limits: AdmissionLimits, nowMs: number): InSession;
export function admit(req: AdmissionRequest, image: AdmissionImage, session: AdmissionSession | undefined, limits: AdmissionLimits, nowMs: number): Admission;
export function admit(req: AdmissionRequest, image: AdmissionImage, session: AdmissionSession | undefined, limits: AdmissionLimits, nowMs: number): Admission {
  if (session === undefined) return beforeSession(req, image);
  if (req.wasHeld) {
    // Started meanwhile: join (below). Still waiting, or ended: the agent asks again soon, so that
    // it is held again when the start comes.
    if (session.state === 'cancelled' && req.cancelNoticeDue) return { kind: 'cancelled' };
    if (session.state !== 'running') return { kind: 'not-started', retryAfterMs: HELD_RETRY_MS };
  } else if (session.state === 'waiting') {
    // This agent counts toward --min-clients from this request on.
    const waiting = session.waiting.length + (session.waiting.includes(req.waiter) ? 0 : 1);
    const why = startReason({ ...session, waiting }, nowMs);
    if (why !== undefined) return { kind: 'start', why };
    if (limits.longPollMs > 0) return { kind: 'hold', ms: limits.longPollMs };
    return { kind: 'not-started', retryAfterMs: retryAfterMs(session, nowMs) };
  }
  // A late joiner whose interface cannot carry the session's packets (the session's symbol size
  // was fixed by the agents known at its start: jumbo frames) would lose every one of them.
  if (session.symbolSize !== undefined && !fitsMtu(session.symbolSize, req.mtu)) return mtuTooSmall(image, session.symbolSize, req.mtu);
  return withinClientLimit(image, limits);
}

/**
 * Unicast when the image allows it: the agent gets its image now, from a session that is already
 * sending (a second multicast session of the same image would cost the LAN a second stream).
 * Multicast-only: it waits, and asks again until this session has ended; then it starts (or joins)
 * one sized for its own MTU.
 */
function mtuTooSmall(image: AdmissionImage, symbolSize: number, mtu: number): Fallback | Full {
  const reason = mtuTooSmallReason(symbolSize, mtu);
  if (image.multicastOnly) return { kind: 'full', retryAfterMs: FULL_RETRY_MS, reason: `${reason}; image is multicast-only: waiting for this session to end` };
  return { kind: 'fallback', reason };
}

function beforeSession(req: AdmissionRequest, image: AdmissionImage): BeforeSession {
  if (req.cancelNoticeDue) return { kind: 'cancelled' };
  if (req.client?.fallback === true && !image.multicastOnly) return { kind: 'fallback', reason: 'kicked to unicast earlier' };
  // An image of zeros only has nothing to send: no session, which could not even be built (no
  // blocks), and no download either, multicast-only or not.
  if (image.allZeros) return { kind: 'nothing-to-send', reason: 'the image is all zeros: nothing to send' };
  // A client demoted to a slower tier joins that tier's session.
  return { kind: 'find-session', tier: req.client?.tier ?? 0 };
}

function withinClientLimit(image: AdmissionImage, limits: AdmissionLimits): Join | Full | Fallback {
  if (limits.activeClients < limits.maxClients) return { kind: 'join' };
  const reason = `client limit reached (${limits.activeClients} of ${limits.maxClients} receiving)`;
  if (image.multicastOnly) return { kind: 'full', retryAfterMs: FULL_RETRY_MS, reason: `${reason}; image is multicast-only` };
  return { kind: 'fallback', reason };
}
