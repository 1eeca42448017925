// What the dashboard shows, sent whole on every change (small: a few hundred rows at most). The
// figures a person reads (average rate of an ended session, elapsed time, ETA, "2 of 5 clients")
// are worked out here, where they are tested, not in the page's script.
import type { DpContext } from '../http/context';
import { formatSlowPolicy } from '../images/settings';
import { isTerminal } from '../sessions/clients';
import type { ClientRecord, SessionRecord } from '../state/types';

export type { DashboardState } from './persisted-state';

/** Seconds between two ISO times (or until `nowMs`), or null without a start. */
function secondsBetween(from: string | undefined, to: string | undefined, nowMs: number): number | null {
  if (from === undefined) return null;
  const end = to === undefined ? nowMs : Date.parse(to);
  return Math.max(0, (end - Date.parse(from)) / 1000);
}

/** Average send rate (bytes/s) from start to end (or now): what an ended session shows. */
export function averageRate(s: Pick<SessionRecord, 'startedAt' | 'endedAt'>, bytesSent: number, nowMs: number): number | null {
  const sec = secondsBetween(s.startedAt, s.endedAt, nowMs);
  return sec === null || sec <= 0 ? null : bytesSent / sec;
}

/**
 * Seconds until the slowest receiver of a running session is done, at the measured rate; null
 * when it cannot be said (not running, no receiver reported progress yet, nothing measured).
 */
export function etaSeconds(s: Pick<SessionRecord, 'state'>, receivers: readonly Pick<ClientRecord, 'progress' | 'state'>[], imageSize: number, bytesPerSec: number): number | null {
  if (s.state !== 'running' || bytesPerSec <= 0) return null;
  const going = receivers.filter((c) => !isTerminal(c.state));
  if (going.length === 0) return null;
  const slowest = Math.min(...going.map((c) => c.progress));
  if (slowest <= 0) return null;
  return Math.ceil(((1 - slowest) * imageSize) / bytesPerSec);
}

export function snapshot(ctx: DpContext, nowMs: number): object {
  const sessions = ctx.sessions.list();
  const live = sessions.filter((s) => s.state === 'waiting' || s.state === 'running');
  const ended = sessions.filter((s) => !(s.state === 'waiting' || s.state === 'running')).slice(-20);
  const allClients = ctx.sessions.clients.list();
  // One row per machine and attempt, newest attempt first (as `client list`); older records lack startedAt.
  const startOf = (c: (typeof allClients)[number]): string => c.startedAt ?? c.firstSeen;
  const clients = [...allClients].sort((a, b) => startOf(b).localeCompare(startOf(a)) || b.id - a.id).slice(0, 500);
  const sizeOf = (name: string): number | null => ctx.catalog.list().find((i) => i.name === name)?.size ?? null;
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
      minClients: i.settings.minClients ?? null,
      multicastOnly: i.settings.multicastOnly,
      encrypt: i.settings.encrypt,
      slowPolicy: formatSlowPolicy(i.settings.slowPolicy),
      broken: i.broken?.reason ?? (ctx.catalog.isOutsideRoots(i.name) ? 'its file is outside the image roots' : null),
    })),
    imports: ctx.catalog.importing.list(),
    sessions: [...live, ...ended.reverse()].map((s) => {
      const st = ctx.sessions.stats(s.id);
      const bytesSent = st?.bytesSent ?? s.bytesSent;
      const throughput = st?.throughputBps ?? 0;
      const size = sizeOf(s.image);
      const receivers = allClients.filter((c) => c.sessionId === s.id);
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
        waitingHosts: s.waiting,
        minClients: s.minClients ?? null,
        startsAt: s.startsAt ?? null,
        deadline: s.deadline ?? null,
        rateBps: st?.rateBytesPerSec ?? s.rateBps,
        throughputBps: throughput,
        averageBps: averageRate(s, bytesSent, nowMs),
        elapsedSec: secondsBetween(s.startedAt, s.endedAt, nowMs),
        etaSec: size === null ? null : etaSeconds(s, receivers, size, throughput),
        bytesSent,
        packetsSent: st?.packetsSent ?? s.packetsSent,
        createdAt: s.createdAt,
        startedAt: s.startedAt ?? null,
        endedAt: s.endedAt ?? null,
        endReason: s.endReason ?? null,
        series: ctx.dashboard.rates.of(s.id),
      };
    }),
    clients: clients.map((c) => ({
      id: c.id,
      hostname: c.hostname,
      machine: c.machine ?? c.hostname,
      macs: c.macs ?? [],
      ip: c.ip ?? null,
      startedAt: startOf(c),
      endedAt: c.endedAt ?? null,
      result: c.result ?? null,
      image: c.image,
      state: c.state,
      progress: c.progress,
      rateBps: c.rateBps,
      sessionId: c.sessionId ?? null,
      receiverId: c.receiverId,
      tier: c.tier,
      message: c.message ?? null,
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
    })),
    refusals: ctx.dashboard.refusals.recent(50),
  };
}
