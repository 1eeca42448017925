import { sql, type Kysely, type Transaction } from 'kysely';
import { DeployError } from '../deployments/errors';
import { isPlaceholderUuid, normalizeMac, normalizeUuid } from '../deployments/mac';
import { matchMachine, type MachineMatch } from '../deployments/match-machine';
import type { Machine, MachineState } from '../deployments/model';
import { isUniqueViolation, toMachine } from './rows';
import type { DpDatabase } from './schema';
import { MachineIndex } from './machine-index';
import { SeenBatch } from './seen-batch';

type Db = Kysely<DpDatabase> | Transaction<DpDatabase>;

export interface NewMachine {
  name: string;
  macs: string[];
  uuid?: string | null;
}

/** What an agent tells about itself when it asks what to do. */
export interface SeenMachine {
  macs: string[];
  uuid?: string | null;
  serial?: string | null;
  vendor?: string | null;
  model?: string | null;
  ip?: string | null;
}

export interface MachinePage {
  machines: Machine[];
  /** Pass as `after` for the next page; null on the last page. */
  next: number | null;
}

/** Every query on machines and their MACs. */
export class MachineQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    /** Observations of agents' requests not written yet: flushed before any read shows a machine. */
    private readonly seen: SeenBatch = new SeenBatch(db),
    /** The agent's in-memory view of machines: told of every change to one, once it is committed. */
    private readonly index: MachineIndex = new MachineIndex(),
  ) {}

  /**
   * An operator adds a machine ahead of time. A MAC, or a UUID that is not a placeholder, that
   * another machine holds is refused with the owner named.
   */
  async add(machine: NewMachine, now: Date): Promise<Machine> {
    return this.db.transaction().execute((tx) => insertKnown(tx, machine, now));
  }

  /** All rows or none: one bad row (a taken MAC, a name in use) leaves the store as it was. */
  async importAll(rows: readonly NewMachine[], now: Date): Promise<Machine[]> {
    return this.db.transaction().execute(async (tx) => {
      const added: Machine[] = [];
      for (const row of rows) added.push(await insertKnown(tx, row, now));
      return added;
    });
  }

  async get(nameOrId: string | number): Promise<Machine> {
    await this.seen.flush();
    const m = await findMachine(this.db, nameOrId);
    if (!m) throw new DeployError('DP_MACHINE_NOT_FOUND', `no machine ${nameOrId}`, { machine: nameOrId });
    return m;
  }

  /**
   * Pages by id, so a listing of 10,000 machines never loads them all. `state: 'unknown'` is the
   * operator's list of machines waiting for approval (the dashboard's filter).
   */
  async list(options: { after?: number; limit?: number; state?: MachineState } = {}): Promise<MachinePage> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    await this.seen.flush();
    let q = this.db
      .selectFrom('machines')
      .selectAll()
      .where('id', '>', options.after ?? 0);
    if (options.state !== undefined) q = q.where('state', '=', options.state);
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const macs = await macsOf(this.db, page.map((r) => r.id));
    const last = page[page.length - 1];
    return { machines: page.map((r) => toMachine(r, macs.get(r.id) ?? [])), next: rows.length > limit && last ? last.id : null };
  }

  /**
   * The name of the machine holding the first of these MACs that one holds (the agent lists its
   * receiving interface first); null when none does. Read only: a session request registers nothing.
   */
  async nameForMacs(macs: readonly string[]): Promise<string | null> {
    return (await this.forMacs(macs))?.name ?? null;
  }

  /** nameForMacs with the machine's id (a refused session request goes into its history). */
  async forMacs(macs: readonly string[]): Promise<{ id: number; name: string } | null> {
    const wanted = [...new Set(macs.map(normalizeMac))];
    if (wanted.length === 0) return null;
    const rows = await this.db
      .selectFrom('machine_macs')
      .innerJoin('machines', 'machines.id', 'machine_macs.machine_id')
      .select(['machine_macs.mac', 'machines.id', 'machines.name'])
      .where('machine_macs.mac', 'in', wanted)
      .execute();
    const byMac = new Map(rows.map((r) => [r.mac, { id: r.id, name: r.name }]));
    for (const mac of wanted) {
      const m = byMac.get(mac);
      if (m !== undefined) return m;
    }
    return null;
  }

  async remove(nameOrId: string | number): Promise<void> {
    const m = await this.get(nameOrId);
    try {
      await this.db.deleteFrom('machines').where('id', '=', m.id).execute();
    } finally {
      this.index.forget(m.id);
    }
  }

  /**
   * Renames a machine and marks it known (naming it is approving it). The history follows: its
   * rows carry the machine's name for filters (HistoryQueries.page), so the rows of this machine
   * get the new name in the same transaction; memberships and done lists are by id already.
   */
  async rename(nameOrId: string | number, newName: string): Promise<Machine> {
    return this.change(nameOrId, newName);
  }

  /** An operator approves a machine that registered itself: `unknown` -> `known`, name kept. */
  async approve(nameOrId: string | number): Promise<Machine> {
    return this.change(nameOrId, undefined);
  }

  private async change(nameOrId: string | number, newName: string | undefined): Promise<Machine> {
    await this.seen.flush();
    // Set inside the transaction, forgotten by the index once it is over (committed or not).
    let touched: number | undefined;
    try {
      return await this.changeTx(nameOrId, newName, (id) => (touched = id));
    } finally {
      if (touched !== undefined) this.index.forget(touched);
    }
  }

  private changeTx(nameOrId: string | number, newName: string | undefined, touching: (id: number) => void): Promise<Machine> {
    return this.db.transaction().execute(async (tx) => {
      const m = await findMachine(tx, nameOrId);
      if (!m) throw new DeployError('DP_MACHINE_NOT_FOUND', `no machine ${nameOrId}`, { machine: nameOrId });
      touching(m.id);
      const name = newName ?? m.name;
      if (name !== m.name) {
        const owner = await findMachine(tx, name);
        if (owner) throw new DeployError('DP_MACHINE_EXISTS', `a machine named ${name} already exists (MAC ${owner.macs.join(' ') || 'none'})`, { name, owner: owner.name, macs: owner.macs });
      }
      try {
        await tx.updateTable('machines').set({ name, state: 'known' }).where('id', '=', m.id).execute();
      } catch (err) {
        // Taken between the check and the update by another writer.
        if (isUniqueViolation(err)) throw new DeployError('DP_MACHINE_EXISTS', `a machine named ${name} already exists`, { name, owner: name });
        throw err;
      }
      if (name !== m.name) await tx.updateTable('history').set({ machine_name: name }).where('machine_id', '=', m.id).execute();
      const changed = await findMachine(tx, m.id);
      if (!changed) throw new Error(`machine ${m.id} vanished inside its own transaction`);
      return changed;
    });
  }

  /**
   * An agent made contact: find it by MAC first (match-machine.ts), record what it reported, or
   * register it as an unknown machine. Reported MACs that belong to two machines are a conflict:
   * nothing is written and the caller shows it to the operator.
   */
  async recordSeen(seen: SeenMachine, now: Date): Promise<{ match: MachineMatch; machine: Machine | null }> {
    const macs = [...new Set(seen.macs.map(normalizeMac))];
    const uuid = seen.uuid ? normalizeUuid(seen.uuid) : null;
    // Set inside the transaction, forgotten once it is over (committed or not).
    let touched: number | undefined;
    try {
      return await this.recordSeenTx(macs, uuid, seen, now, (id) => (touched = id));
    } finally {
      if (touched !== undefined) this.index.forget(touched);
    }
  }

  private recordSeenTx(macs: string[], uuid: string | null, seen: SeenMachine, now: Date, touching: (id: number) => void): Promise<{ match: MachineMatch; machine: Machine | null }> {
    return this.db.transaction().execute(async (tx) => {
      const candidates = await candidatesFor(tx, macs, uuid);
      const match = matchMachine({ macs, uuid }, candidates);
      if (match.kind === 'conflict') return { match, machine: null };
      // Only what was reported: an agent that cannot read DMI does not erase what is known.
      const facts = {
        last_seen: now,
        ...(uuid ? { uuid } : {}),
        ...(seen.serial ? { serial: seen.serial } : {}),
        ...(seen.vendor ? { vendor: seen.vendor } : {}),
        ...(seen.model ? { model: seen.model } : {}),
        ...(seen.ip ? { last_ip: seen.ip } : {}),
      };
      let id: number;
      if (match.kind === 'match') {
        id = match.machineId;
        touching(id);
        // The updated row comes back with the update, and its MACs are the candidate's plus the
        // new ones: no second read (the agent's request is the DP's hottest query, see the bench).
        const row = await tx
          .updateTable('machines')
          .set({ ...facts, first_seen: sql<Date>`coalesce(first_seen, ${now})` })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        for (const mac of match.newMacs) await tx.insertInto('machine_macs').values({ mac, machine_id: id }).execute();
        const known = candidates.find((c) => c.id === id)?.macs ?? [];
        return { match, machine: toMachine(row, [...known, ...match.newMacs]) };
      } else {
        const name = await freeName(tx, `unknown-${(macs[0] ?? 'nomac').replaceAll(':', '')}`);
        const row = await tx
          .insertInto('machines')
          .values({ name, state: 'unknown', ...facts, first_seen: now, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = row.id;
        for (const mac of macs) await tx.insertInto('machine_macs').values({ mac, machine_id: id }).execute();
      }
      return { match, machine: (await findMachine(tx, id)) ?? null };
    });
  }
}

async function insertKnown(tx: Db, machine: NewMachine, now: Date): Promise<Machine> {
  const macs = [...new Set(machine.macs.map(normalizeMac))];
  const uuid = machine.uuid ? normalizeUuid(machine.uuid) : null;
  for (const mac of macs) {
    const owner = await tx.selectFrom('machine_macs').innerJoin('machines', 'machines.id', 'machine_macs.machine_id').select('machines.name').where('mac', '=', mac).executeTakeFirst();
    if (owner) throw new DeployError('DP_IDENTIFIER_TAKEN', `MAC ${mac} already belongs to machine ${owner.name}`, { mac, owner: owner.name });
  }
  if (uuid && !isPlaceholderUuid(uuid)) {
    const owner = await tx.selectFrom('machines').select('name').where('uuid', '=', uuid).executeTakeFirst();
    if (owner) throw new DeployError('DP_IDENTIFIER_TAKEN', `UUID ${uuid} already belongs to machine ${owner.name}`, { uuid, owner: owner.name });
  }
  let id: number;
  try {
    const row = await tx.insertInto('machines').values({ name: machine.name, state: 'known', uuid, created_at: now }).returning('id').executeTakeFirstOrThrow();
    id = row.id;
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeployError('DP_MACHINE_EXISTS', `a machine named ${machine.name} already exists`, { name: machine.name });
    throw err;
  }
  for (const mac of macs) await tx.insertInto('machine_macs').values({ mac, machine_id: id }).execute();
  const added = await findMachine(tx, id);
  if (!added) throw new Error(`machine ${id} vanished inside its own transaction`);
  return added;
}

async function findMachine(db: Db, nameOrId: string | number): Promise<Machine | undefined> {
  const q = db.selectFrom('machines').selectAll();
  const row = await (typeof nameOrId === 'number' ? q.where('id', '=', nameOrId) : q.where('name', '=', nameOrId)).executeTakeFirst();
  if (!row) return undefined;
  return toMachine(row, (await macsOf(db, [row.id])).get(row.id) ?? []);
}

async function macsOf(db: Db, ids: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('machine_macs').select(['mac', 'machine_id']).where('machine_id', 'in', ids).execute();
  for (const r of rows) out.set(r.machine_id, [...(out.get(r.machine_id) ?? []), r.mac]);
  return out;
}

/** Machines holding one of the MACs or the UUID, each with its id, UUID and every MAC, in one query. */
async function candidatesFor(db: Db, macs: string[], uuid: string | null) {
  const owners = db.selectFrom('machine_macs').select('machine_id as id').where('mac', 'in', macs.length > 0 ? macs : ['']);
  const ids = uuid ? owners.union(db.selectFrom('machines').select('id').where('uuid', '=', uuid)) : owners;
  const rows = await db.selectFrom('machines').leftJoin('machine_macs', 'machine_macs.machine_id', 'machines.id').select(['machines.id', 'machines.uuid', 'machine_macs.mac']).where('machines.id', 'in', ids).execute();
  const byId = new Map<number, { id: number; uuid: string | null; macs: string[] }>();
  for (const r of rows) {
    const c = byId.get(r.id) ?? { id: r.id, uuid: r.uuid, macs: [] };
    if (r.mac !== null) c.macs.push(r.mac);
    byId.set(r.id, c);
  }
  return [...byId.values()];
}

async function freeName(db: Db, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!(await db.selectFrom('machines').select('id').where('name', '=', name).executeTakeFirst())) return name;
  }
}
