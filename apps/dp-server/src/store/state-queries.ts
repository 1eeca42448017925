import type { Kysely, Transaction } from 'kysely';
import type { StateChanges } from '../state/state-diff';
import type { HistoryEntry } from '../state/types';
import type { DpDatabase } from './schema';

/** Rows per insert statement: far below PostgreSQL's 65,535 parameters, large enough to batch. */
const BATCH = 500;

/** The DP's state as the database holds it (parsed, not yet validated: state/validate.ts does). */
export interface StoredState {
  readonly meta: ReadonlyMap<string, unknown>;
  readonly images: readonly unknown[];
  readonly sessions: readonly unknown[];
  readonly clients: readonly unknown[];
  readonly events: ReadonlyArray<{ readonly seq: number; readonly entry: HistoryEntry }>;
}

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

/**
 * Every query on what state.json held: images, sessions, clients, the counters and tokens, the
 * event log. The session manager never sees these: it mutates DpState in memory and the StateStore
 * (state/store.ts) writes the difference here, one transaction per save.
 */
export class StateQueries {
  constructor(private readonly db: Kysely<DpDatabase>) {}

  /** The stored state, or undefined when the database holds none yet (a new DP, or state.json not imported). */
  async load(): Promise<StoredState | undefined> {
    const meta = await this.db.selectFrom('dp_meta').select(['key', 'value']).execute();
    if (meta.length === 0) return undefined;
    const images = await this.db.selectFrom('images').select('record').orderBy('name').execute();
    const sessions = await this.db.selectFrom('sessions').select('record').orderBy('id').execute();
    const clients = await this.db.selectFrom('clients').select('record').orderBy('id').execute();
    const events = await this.db.selectFrom('dp_events').selectAll().orderBy('seq').execute();
    return {
      meta: new Map(meta.map((r) => [r.key, r.value])),
      images: images.map((r) => r.record),
      sessions: sessions.map((r) => r.record),
      clients: clients.map((r) => r.record),
      events: events.map((r) => ({
        seq: Number(r.seq),
        entry: {
          at: r.at,
          event: r.event,
          ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
          ...(r.image !== null ? { image: r.image } : {}),
          ...(r.client_id !== null ? { clientId: r.client_id } : {}),
          ...(r.detail !== null ? { detail: r.detail } : {}),
        },
      })),
    };
  }

  /** Writes one save's rows in one transaction: all of them are stored, or none. */
  async write(c: StateChanges): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await writeMeta(tx, c);
      if (c.images.remove.length > 0) await tx.deleteFrom('images').where('name', 'in', [...c.images.remove]).execute();
      for (const rows of batches(c.images.upsert)) {
        await tx
          .insertInto('images')
          .values(rows.map((r) => ({ name: r.name, record: r.json })))
          .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ record: eb.ref('excluded.record') })))
          .execute();
      }
      if (c.sessions.remove.length > 0) await tx.deleteFrom('sessions').where('id', 'in', [...c.sessions.remove]).execute();
      for (const rows of batches(c.sessions.upsert)) {
        await tx
          .insertInto('sessions')
          .values(rows.map((r) => ({ id: r.id, image: r.image, state: r.state, record: r.json })))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ image: eb.ref('excluded.image'), state: eb.ref('excluded.state'), record: eb.ref('excluded.record') })))
          .execute();
      }
      if (c.clients.remove.length > 0) await tx.deleteFrom('clients').where('id', 'in', [...c.clients.remove]).execute();
      for (const rows of batches(c.clients.upsert)) {
        await tx
          .insertInto('clients')
          .values(rows.map((r) => ({ id: r.id, hostname: r.hostname, record: r.json })))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ hostname: eb.ref('excluded.hostname'), record: eb.ref('excluded.record') })))
          .execute();
      }
      for (const rows of batches(c.events.insert)) {
        await tx
          .insertInto('dp_events')
          .values(
            rows.map(({ seq, entry: e }) => ({ seq, at: e.at, event: e.event, session_id: e.sessionId ?? null, image: e.image ?? null, client_id: e.clientId ?? null, detail: e.detail ?? null })),
          )
          .execute();
      }
      if (c.events.insert.length > 0) await tx.deleteFrom('dp_events').where('seq', '<', c.events.keepFrom).execute();
    });
  }
}

async function writeMeta(tx: Transaction<DpDatabase>, c: StateChanges): Promise<void> {
  if (c.meta.length === 0) return;
  await tx
    .insertInto('dp_meta')
    .values(c.meta.map((m) => ({ key: m.key, value: m.json })))
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute();
}
