// Bounds on what the state keeps, so that a flood of requests (4000 invented host names) cannot
// grow state.json, and with it every save, without end: clients and sessions that are over are kept
// up to a number, the most recent ones; older ones leave the state with one history line.
import type { StateStore } from '../state/store';
import type { ClientRecord, SessionRecord } from '../state/types';
import { isTerminal, type ClientBook } from './clients';

/** Clients no longer receiving that are kept (the dashboard shows 500, the admin API all). */
export const ENDED_CLIENTS_KEPT = 2000;
/** Ended sessions kept (the dashboard shows 20). */
export const ENDED_SESSIONS_KEPT = 500;

function isLive(s: SessionRecord): boolean {
  return s.state === 'waiting' || s.state === 'running';
}

/**
 * Removes the oldest ended clients and sessions beyond the bounds; true when anything went.
 * A client is over when it is in no live session or has finished (done, failed, fallback).
 */
export function pruneEnded(store: StateStore, book: ClientBook, now: Date, keepClients = ENDED_CLIENTS_KEPT, keepSessions = ENDED_SESSIONS_KEPT): boolean {
  const state = store.state;
  const live = new Set(state.sessions.filter(isLive).map((s) => s.id));
  const over = book.list().filter((c) => isTerminal(c.state) || c.sessionId === undefined || !live.has(c.sessionId));
  let pruned = false;
  if (over.length > keepClients) {
    const oldest = [...over].sort((a, b) => a.lastSeen.localeCompare(b.lastSeen)).slice(0, over.length - keepClients);
    book.remove(new Set<ClientRecord>(oldest));
    store.record({ event: 'clients-pruned', detail: `${oldest.length} ended client records removed (last seen up to ${oldest[oldest.length - 1]?.lastSeen ?? '?'}); ${keepClients} kept` }, now);
    pruned = true;
  }
  const ended = state.sessions.filter((s) => !isLive(s));
  if (ended.length > keepSessions) {
    const gone = new Set(ended.slice(0, ended.length - keepSessions));
    const kept = state.sessions.filter((s) => !gone.has(s));
    state.sessions.length = 0;
    state.sessions.push(...kept);
    store.record({ event: 'sessions-pruned', detail: `${gone.size} ended sessions removed; ${keepSessions} kept` }, now);
    pruned = true;
  }
  return pruned;
}
