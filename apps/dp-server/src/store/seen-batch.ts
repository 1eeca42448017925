import { sql, type Kysely } from 'kysely';
import type { DpDatabase } from './schema';

/** What an agent's request observed about a known machine: its facts, not acknowledged state. */
export interface Observation {
  at: Date;
  ip: string | null;
  serial: string | null;
  vendor: string | null;
  model: string | null;
}

/** How the batch schedules its flush; tests pass their own to flush by hand. */
export interface FlushTimer {
  schedule(run: () => void, ms: number): { cancel(): void };
}

export const realFlushTimer: FlushTimer = {
  schedule(run, ms) {
    const t = setTimeout(run, ms);
    // A pending flush never keeps a finished process alive: close() flushes what is left.
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

const noop = (): void => undefined;

/** @default 2000: at 200 requests/s ~400 rows every two seconds. */
export const SEEN_FLUSH_MS = 2000;

/**
 * @default 50: rows per UPDATE. On PGlite a statement runs synchronously on the DP's event loop:
 * one UPDATE of 400 rows of a 10,000-machine table held it 18-85 ms (CPU, load 11-16; PGlite has
 * no autovacuum, so no statistics, and the planner hashes the whole table), every 2 s, which was
 * the agent's answers' tail (docs/deployments.md "Scale"). 50 rows take 2-3 ms, and the answers
 * waiting run between two slices.
 */
export const SEEN_SLICE_ROWS = 50;

/** Lets the event loop run what waits (answers) before the next slice. */
const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Last-seen, first-seen, IP and SMBIOS facts of known machines, written in one UPDATE every
 * SEEN_FLUSH_MS instead of one transaction per agent request. The agent's "what do I do" is the
 * DP's hottest request, and the write was most of its cost (docs/deployments.md "Scale"). These
 * are observations: a kill -9 loses at most the last interval's, and the next request records
 * them again; nothing an operator or agent was told depends on them. Identity changes (a new MAC,
 * a UUID) never come here: they are written at once (MachineQueries.recordSeen).
 */
export class SeenBatch {
  private pending = new Map<number, Observation>();
  /** Batches of flushes not finished, oldest first: no longer pending, not in the database yet. */
  private writing: ReadonlyMap<number, Observation>[] = [];
  private timer: { cancel(): void } | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<DpDatabase>,
    private readonly scheduler: FlushTimer = realFlushTimer,
    private readonly intervalMs = SEEN_FLUSH_MS,
    private readonly sliceRows = SEEN_SLICE_ROWS,
  ) {}

  /** Keeps the newest observation per machine; a field not reported keeps an earlier one's value. */
  note(machineId: number, o: Observation): void {
    const before = this.pending.get(machineId);
    this.pending.set(
      machineId,
      before && before.at > o.at
        ? before
        : { at: o.at, ip: o.ip ?? before?.ip ?? null, serial: o.serial ?? before?.serial ?? null, vendor: o.vendor ?? before?.vendor ?? null, model: o.model ?? before?.model ?? null },
    );
    this.timer ??= this.scheduler.schedule(() => {
      // A failed flush keeps nothing back: the rows are re-noted by the machines' next requests.
      this.flush().catch(() => undefined);
    }, this.intervalMs);
  }

  get size(): number {
    return this.pending.size;
  }

  /** The newest observation of a machine not written yet (a row read from SQL lacks it). */
  unwritten(machineId: number): Observation | undefined {
    const pending = this.pending.get(machineId);
    if (pending) return pending;
    for (let i = this.writing.length - 1; i >= 0; i--) {
      const o = this.writing[i]?.get(machineId);
      if (o) return o;
    }
    return undefined;
  }

  /** Writes every pending observation, SEEN_SLICE_ROWS a statement; reads of machines call it first. */
  flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    // Nothing new: wait for one in flight, whose failure its own caller has already seen.
    if (this.pending.size === 0) return this.flushing.then(noop, noop);
    const batch = this.pending;
    this.pending = new Map();
    this.writing.push(batch);
    // One flush at a time, in order: a later one never lands before an earlier one.
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        const rows = [...batch];
        for (let i = 0; i < rows.length; i += this.sliceRows) {
          if (i > 0) await nextMacrotask();
          await writeObservations(this.db, rows.slice(i, i + this.sliceRows));
        }
      })
      .finally(() => {
        this.writing = this.writing.filter((b) => b !== batch);
      });
    return this.flushing;
  }
}

/**
 * One UPDATE from arrays (unnest), the same on PGlite and PostgreSQL. An observation older than
 * what the row holds (an immediate write from recordSeen came in between) changes nothing but a
 * missing first_seen; a removed machine's row is simply not there.
 */
async function writeObservations(db: Kysely<DpDatabase>, rows: readonly (readonly [number, Observation])[]): Promise<void> {
  const col = <T>(f: (o: Observation) => T) => rows.map(([, o]) => f(o));
  const ids = rows.map(([id]) => id);
  const newer = sql`(m.last_seen is null or v.at >= m.last_seen)`;
  await sql`
    update machines as m set
      first_seen = coalesce(m.first_seen, v.at),
      last_seen = case when ${newer} then v.at else m.last_seen end,
      last_ip = case when ${newer} then coalesce(v.ip, m.last_ip) else m.last_ip end,
      serial = case when ${newer} then coalesce(v.serial, m.serial) else m.serial end,
      vendor = case when ${newer} then coalesce(v.vendor, m.vendor) else m.vendor end,
      model = case when ${newer} then coalesce(v.model, m.model) else m.model end
    from unnest(${ids}::int[], ${col((o) => o.at.toISOString())}::timestamptz[], ${col((o) => o.ip)}::text[], ${col((o) => o.serial)}::text[], ${col((o) => o.vendor)}::text[], ${col((o) => o.model)}::text[])
      as v(id, at, ip, serial, vendor, model)
    where m.id = v.id`.execute(db);
}
