import type { Selectable } from 'kysely';
import type { DpDatabase } from './schema';
import type { Observation } from './seen-batch';

export type MachineRow = Selectable<DpDatabase['machines']>;

/** One machine as the agent's "what do I do" needs it: its row, every MAC, static memberships, required deployments done. */
export interface IndexedMachine {
  row: MachineRow;
  readonly macs: readonly string[];
  readonly memberOf: ReadonlySet<number>;
  readonly done: ReadonlySet<number>;
}

/**
 * After this many machines forgotten while reads may be in flight, the per-machine record is
 * dropped for one "everything older is stale": the record stays bounded, and the only cost is
 * that reads begun before it are not installed (they are answered all the same).
 */
const FORGOTTEN_LIMIT = 4096;

type LoadState = { kind: 'empty' } | { kind: 'loading'; done: Promise<void> } | { kind: 'loaded' };

/**
 * Every machine the DP knows, by id and by MAC, in memory: the agent's request for a known
 * machine is answered from here with no SQL at all (docs/deployments.md "Scale"). Before, that
 * request was one statement, and on PGlite every statement runs synchronously inside the DP's
 * event loop (0.3-1.5 ms each, and queued behind the observations' batch UPDATE).
 *
 * It is a cache of the database, never a second source: a machine not here is read from SQL
 * (and installed), and every write through the store module forgets what it touched, after the
 * write committed (MachineQueries, CollectionQueries, DeploymentQueries, DpStore.raw). The only
 * thing written into it is an agent's observation (last-seen, IP, SMBIOS facts), which SeenBatch
 * writes to the database with the same newest-wins rule.
 *
 * A read races writes: a read that began before a write committed may return the old rows. So a
 * read takes a ticket (the epoch) before it starts, and its rows are installed only if nothing it
 * covers was forgotten since. No I/O here: the store hands in the rows it read.
 */
export class MachineIndex {
  private readonly byId = new Map<number, IndexedMachine>();
  private readonly byMac = new Map<string, number>();
  private epoch = 0;
  /** The epoch at which each machine was last forgotten (see FORGOTTEN_LIMIT). */
  private forgottenAt = new Map<number, number>();
  /** The epoch of the last invalidation of many machines at once: reads begun before it are stale. */
  private allAt = 0;
  private state: LoadState = { kind: 'empty' };

  get size(): number {
    return this.byId.size;
  }

  get loaded(): boolean {
    return this.state.kind === 'loaded';
  }

  /** Taken before a read of machines whose rows are to be installed. */
  ticket(): number {
    return this.epoch;
  }

  /**
   * The machine holding every one of these (normalized) MACs, when the index has it. A MAC not
   * here, or MACs of two machines, is undefined: the caller asks SQL, which knows new machines,
   * new NICs and conflicts.
   */
  find(macs: readonly string[]): IndexedMachine | undefined {
    let hit: IndexedMachine | undefined;
    for (const mac of macs) {
      const id = this.byMac.get(mac);
      if (id === undefined || (hit !== undefined && hit.row.id !== id)) return undefined;
      hit ??= this.byId.get(id);
    }
    return hit;
  }

  /** Installs a machine read with `ticket`, unless a write touched it since; returns whether it did. */
  install(entry: IndexedMachine, ticket: number): boolean {
    if (this.isStale(entry.row.id, ticket)) return false;
    this.drop(entry.row.id);
    for (const mac of entry.macs) {
      // Another entry holding this MAC is older than this read (a MAC moves only by a removal and
      // a new owner): it is wrong now, so it goes.
      const other = this.byMac.get(mac);
      if (other !== undefined) this.drop(other);
    }
    this.byId.set(entry.row.id, entry);
    for (const mac of entry.macs) this.byMac.set(mac, entry.row.id);
    return true;
  }

  /**
   * Fills the index once with every machine (`read`, one snapshot), unless it is filled or being
   * filled. Resolves when done; a failed read leaves it empty for the next call to try again.
   */
  load(read: () => Promise<readonly IndexedMachine[]>): Promise<void> {
    if (this.state.kind === 'loaded') return Promise.resolve();
    if (this.state.kind === 'loading') return this.state.done;
    const ticket = this.ticket();
    const done = read().then(
      (entries) => {
        if (this.state.kind !== 'loading' || this.state.done !== done) return;
        // Everything was invalidated meanwhile: these rows may predate it; the next call reads again.
        if (this.allAt > ticket) {
          this.state = { kind: 'empty' };
          return;
        }
        for (const e of entries) this.install(e, ticket);
        this.state = { kind: 'loaded' };
      },
      (err: unknown) => {
        if (this.state.kind === 'loading' && this.state.done === done) this.state = { kind: 'empty' };
        throw err;
      },
    );
    this.state = { kind: 'loading', done };
    return done;
  }

  /** A write changed this machine (its row, MACs, memberships or done list) or removed it. */
  forget(id: number): void {
    this.epoch++;
    this.drop(id);
    if (this.forgottenAt.size >= FORGOTTEN_LIMIT) {
      this.forgottenAt = new Map();
      this.allAt = this.epoch;
    } else {
      this.forgottenAt.set(id, this.epoch);
    }
  }

  /** A write changed every machine matching `touched` (a collection or deployment removed, a rerun of all). */
  forgetWhere(touched: (m: IndexedMachine) => boolean): void {
    this.epoch++;
    this.allAt = this.epoch;
    for (const [id, m] of [...this.byId]) if (touched(m)) this.drop(id);
  }

  /** Anything may have changed (a raw statement): empty, filled again by the next load(). */
  forgetAll(): void {
    this.epoch++;
    this.allAt = this.epoch;
    this.byId.clear();
    this.byMac.clear();
    this.forgottenAt = new Map();
    this.state = { kind: 'empty' };
  }

  private isStale(id: number, ticket: number): boolean {
    return this.allAt > ticket || (this.forgottenAt.get(id) ?? 0) > ticket;
  }

  private drop(id: number): void {
    const before = this.byId.get(id);
    if (!before) return;
    this.byId.delete(id);
    for (const mac of before.macs) if (this.byMac.get(mac) === id) this.byMac.delete(mac);
  }
}

/**
 * The row as it is once the observation is written (seen-batch.ts writeObservations): first-seen
 * set once; an observation older than the row's last-seen changes nothing else; a fact not
 * reported keeps the known one.
 */
export function observed(row: MachineRow, o: Observation): MachineRow {
  const first_seen = row.first_seen ?? o.at;
  if (row.last_seen !== null && o.at < row.last_seen) return { ...row, first_seen };
  return { ...row, first_seen, last_seen: o.at, last_ip: o.ip ?? row.last_ip, serial: o.serial ?? row.serial, vendor: o.vendor ?? row.vendor, model: o.model ?? row.model };
}
