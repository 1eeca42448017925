// What a save writes: the rows of the DP's state that differ from what the database holds. The DP
// keeps its state in memory (DpState, mutated in place by the session manager) and a snapshot of
// what it last wrote; a save compares the two record by record, so it writes the one client that
// changed, not the 10,000 that did not. Pure: the SQL is store/state-queries.ts.
import type { DpState, HistoryEntry } from './types';

/** Each record as its JSON text, by key: what the database holds after a save. */
export interface StateSnapshot {
  readonly meta: ReadonlyMap<string, string>;
  readonly images: ReadonlyMap<string, string>;
  readonly sessions: ReadonlyMap<number, string>;
  readonly clients: ReadonlyMap<number, string>;
}

export interface ImageRow {
  readonly name: string;
  readonly json: string;
}
export interface SessionRow {
  readonly id: number;
  readonly image: string;
  readonly state: string;
  readonly json: string;
}
export interface ClientRow {
  readonly id: number;
  readonly hostname: string;
  readonly json: string;
}
export interface EventRow {
  /** The entry's number in the DP's event log, oldest first, never reused. */
  readonly seq: number;
  readonly entry: HistoryEntry;
}

/** One save: written in one transaction, so a crash leaves the state before it or after it. */
export interface StateChanges {
  readonly meta: ReadonlyArray<{ readonly key: string; readonly json: string }>;
  readonly images: { readonly upsert: readonly ImageRow[]; readonly remove: readonly string[] };
  readonly sessions: { readonly upsert: readonly SessionRow[]; readonly remove: readonly number[] };
  readonly clients: { readonly upsert: readonly ClientRow[]; readonly remove: readonly number[] };
  /** New event-log entries, and the first seq kept (older ones are deleted: HISTORY_LIMIT). */
  readonly events: { readonly insert: readonly EventRow[]; readonly keepFrom: number };
}

export const EMPTY_SNAPSHOT: StateSnapshot = { meta: new Map(), images: new Map(), sessions: new Map(), clients: new Map() };

/** The keys of dp_meta: everything in DpState that is not a record list. */
export const META_KEYS = ['version', 'epoch', 'nextReceiverId', 'nextSessionId', 'tokens'] as const;

export function snapshotOf(state: DpState): StateSnapshot {
  return {
    meta: new Map(META_KEYS.map((k) => [k, JSON.stringify(state[k])])),
    images: new Map(Object.values(state.images).map((i) => [i.name, JSON.stringify(i)])),
    sessions: new Map(state.sessions.map((s) => [s.id, JSON.stringify(s)])),
    clients: new Map(state.clients.map((c) => [c.id, JSON.stringify(c)])),
  };
}

function changed<K>(prev: ReadonlyMap<K, string>, next: ReadonlyMap<K, string>): { upsert: K[]; remove: K[] } {
  const upsert: K[] = [];
  for (const [k, json] of next) if (prev.get(k) !== json) upsert.push(k);
  const remove = [...prev.keys()].filter((k) => !next.has(k));
  return { upsert, remove };
}

/**
 * The rows to write to go from `prev` (what the database holds) to `state`. `events` are the
 * log entries not yet written and `keepFrom` the seq of the oldest entry still in memory.
 */
export function diffState(prev: StateSnapshot, next: StateSnapshot, state: DpState, events: { insert: readonly EventRow[]; keepFrom: number }): StateChanges {
  const meta = changed(prev.meta, next.meta);
  const images = changed(prev.images, next.images);
  const sessions = changed(prev.sessions, next.sessions);
  const clients = changed(prev.clients, next.clients);
  const sessionById = new Map(state.sessions.map((s) => [s.id, s]));
  const clientById = new Map(state.clients.map((c) => [c.id, c]));
  return {
    meta: meta.upsert.map((key) => ({ key, json: next.meta.get(key) ?? 'null' })),
    images: { upsert: images.upsert.map((name) => ({ name, json: next.images.get(name) ?? 'null' })), remove: images.remove },
    sessions: {
      upsert: sessions.upsert.map((id) => ({ id, image: sessionById.get(id)?.image ?? '', state: sessionById.get(id)?.state ?? '', json: next.sessions.get(id) ?? 'null' })),
      remove: sessions.remove,
    },
    clients: {
      upsert: clients.upsert.map((id) => ({ id, hostname: clientById.get(id)?.hostname ?? '', json: next.clients.get(id) ?? 'null' })),
      remove: clients.remove,
    },
    events,
  };
}

/** Nothing to write (a save requested, but nothing changed since the last one). */
export function isEmpty(c: StateChanges): boolean {
  return (
    c.meta.length === 0 &&
    c.images.upsert.length + c.images.remove.length + c.sessions.upsert.length + c.sessions.remove.length + c.clients.upsert.length + c.clients.remove.length === 0 &&
    c.events.insert.length === 0
  );
}
