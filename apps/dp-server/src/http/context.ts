import { formatSlowPolicy } from '../images/settings';
import type { ImageCatalog } from '../images/catalog';
import type { ServeSettings } from '../config/settings';
import type { SessionManager } from '../sessions/manager';
import type { StateStore } from '../state/store';
import type { Tokens } from '../state/types';
import type { BootRuntime } from '../boot/boot-runtime';

/** Everything the routes work with; one per app instance (no module state). */
export interface DpContext {
  readonly settings: ServeSettings;
  readonly store: StateStore;
  readonly catalog: ImageCatalog;
  readonly sessions: SessionManager;
  /** Tokens generated at this start (to be printed once), if any. */
  readonly generatedTokens: Partial<Tokens>;
  /** The network boot service (`--boot`); undefined when off. */
  readonly boot?: BootRuntime;
}

/** What the dashboard shows, sent whole on every change (small: a few hundred rows at most). */
export function snapshot(ctx: DpContext, nowMs: number): object {
  const sessions = ctx.sessions.list();
  const live = sessions.filter((s) => s.state === 'waiting' || s.state === 'running');
  const ended = sessions.filter((s) => !(s.state === 'waiting' || s.state === 'running')).slice(-20);
  const clients = [...ctx.sessions.clients.list()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen)).slice(0, 500);
  return {
    at: new Date(nowMs).toISOString(),
    epoch: ctx.store.state.epoch,
    maxClients: ctx.settings.maxClients,
    storage: ctx.store.health.ok ? { ok: true } : { ok: false, code: ctx.store.health.code ?? null, error: ctx.store.health.error ?? null, since: ctx.store.health.since ?? null },
    images: ctx.catalog.list().map((i) => ({
      name: i.name,
      size: i.size,
      chunks: i.chunks,
      mode: i.settings.mode,
      multicastOnly: i.settings.multicastOnly,
      encrypt: i.settings.encrypt,
      slowPolicy: formatSlowPolicy(i.settings.slowPolicy),
    })),
    sessions: [...live, ...ended.reverse()].map((s) => {
      const st = ctx.sessions.stats(s.id);
      return {
        id: s.id,
        image: s.image,
        state: s.state,
        mode: s.mode,
        tier: s.tier,
        group: s.group,
        port: s.port,
        receivers: s.receivers.length,
        waiting: s.waiting.length,
        rateBps: st?.rateBytesPerSec ?? s.rateBps,
        throughputBps: st?.throughputBps ?? 0,
        bytesSent: st?.bytesSent ?? s.bytesSent,
        packetsSent: st?.packetsSent ?? s.packetsSent,
        startedAt: s.startedAt ?? null,
        endedAt: s.endedAt ?? null,
        endReason: s.endReason ?? null,
      };
    }),
    clients: clients.map((c) => ({
      id: c.id,
      hostname: c.hostname,
      image: c.image,
      state: c.state,
      progress: c.progress,
      rateBps: c.rateBps,
      sessionId: c.sessionId ?? null,
      receiverId: c.receiverId,
      tier: c.tier,
      message: c.message ?? null,
      lastSeen: c.lastSeen,
    })),
  };
}
