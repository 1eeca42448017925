// When each agent waiting for a scheduled session last asked. An agent that stopped asking (it was
// switched off, its operator gave up, a one-off request) must not count toward --min-clients: the
// session would start for clients that are not there, and wait for their join. And the agents that
// waited for a session the administrator cancelled, to be told so once.
import { DpError } from '../errors';

/** What an agent that waited for a cancelled session is answered (410; it stops with exit 7). */
export function cancelNotice(image: string): DpError {
  return new DpError('DP_SESSION_CANCELLED', `the administrator cancelled the session for image ${image} that this agent was waiting for`, { image });
}

/** Agents ask again within 0.25-5 s (or are held by the long poll): this long silent, they are gone. */
export const WAITER_TTL_MS = 15_000;

/** How long agents that waited for a session the administrator cancelled are told so when they ask. */
export const CANCEL_NOTICE_MS = 60_000;

export class WaiterRoll {
  private readonly bySession = new Map<number, Map<string, number>>();
  /** Per image: the agents that were waiting for its cancelled session, until when to tell them. */
  private readonly cancelled = new Map<string, { waiters: Set<string>; untilMs: number }>();

  /** The agent `waiter` asked (or its held request ended) at `nowMs`. */
  seen(sessionId: number, waiter: string, nowMs: number): void {
    let m = this.bySession.get(sessionId);
    if (!m) this.bySession.set(sessionId, (m = new Map()));
    m.set(waiter, nowMs);
  }

  /**
   * The waiters of `waiting` not heard of for longer than `ttlMs`. One never seen by this process
   * (listed in the state a restarted DP loaded) counts as seen now.
   */
  expired(sessionId: number, waiting: readonly string[], nowMs: number, ttlMs: number): string[] {
    const gone: string[] = [];
    for (const w of waiting) {
      const at = this.bySession.get(sessionId)?.get(w);
      if (at === undefined) this.seen(sessionId, w, nowMs);
      else if (nowMs - at > ttlMs) gone.push(w);
    }
    return gone;
  }

  /** Takes the waiters not heard of for `ttlMs` out of the session's `waiting` (see expired); returns them. */
  dropSilent(s: { id: number; waiting: string[] }, nowMs: number, ttlMs: number): string[] {
    const gone = this.expired(s.id, s.waiting, nowMs, ttlMs);
    if (gone.length > 0) s.waiting = s.waiting.filter((w) => !gone.includes(w));
    return gone;
  }

  /** The session started or ended: its roll is no longer needed. */
  forget(sessionId: number): void {
    this.bySession.delete(sessionId);
  }

  /**
   * The administrator cancelled a waiting session: its waiters, asking again, are told to stop
   * (once each, for CANCEL_NOTICE_MS) instead of creating a new waiting session at once, which made
   * a waiting session impossible to cancel and its image impossible to remove.
   */
  cancelledFor(image: string, waiters: readonly string[], nowMs: number): void {
    if (waiters.length > 0) this.cancelled.set(image, { waiters: new Set(waiters), untilMs: nowMs + CANCEL_NOTICE_MS });
  }

  /** True (once) when `waiter` was waiting for `image`'s cancelled session. */
  takeCancelNotice(image: string, waiter: string, nowMs: number): boolean {
    const c = this.cancelled.get(image);
    if (!c) return false;
    if (nowMs > c.untilMs) {
      this.cancelled.delete(image);
      return false;
    }
    return c.waiters.delete(waiter);
  }
}
