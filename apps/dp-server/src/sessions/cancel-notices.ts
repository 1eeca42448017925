// The agents that waited for a scheduled session the administrator cancelled, per image: asking
// again, each is told so once (410; it stops with exit 7) instead of creating a new waiting session
// at once, which made a waiting session impossible to cancel and its image impossible to remove.
import { DpError } from '../errors';

/** What an agent that waited for a cancelled session is answered. */
export function cancelNotice(image: string): DpError {
  return new DpError('DP_SESSION_CANCELLED', `the administrator cancelled the session for image ${image} that this agent was waiting for`, { image });
}

/** How long agents that waited for a session the administrator cancelled are told so when they ask. */
export const CANCEL_NOTICE_MS = 60_000;

export class CancelNotices {
  private readonly byImage = new Map<string, { readonly waiters: Set<string>; readonly untilMs: number }>();

  /** The administrator cancelled `image`'s waiting session while `waiters` waited for it. */
  cancelled(image: string, waiters: readonly string[], nowMs: number): void {
    if (waiters.length > 0) this.byImage.set(image, { waiters: new Set(waiters), untilMs: nowMs + CANCEL_NOTICE_MS });
  }

  /** True when `waiter` is still to be told that `image`'s session was cancelled (does not take it). */
  due(image: string, waiter: string, nowMs: number): boolean {
    const c = this.byImage.get(image);
    return c !== undefined && nowMs <= c.untilMs && c.waiters.has(waiter);
  }

  /** True (once) when `waiter` was waiting for `image`'s cancelled session. */
  take(image: string, waiter: string, nowMs: number): boolean {
    const c = this.byImage.get(image);
    if (!c) return false;
    if (nowMs > c.untilMs) {
      this.byImage.delete(image);
      return false;
    }
    return c.waiters.delete(waiter);
  }
}
