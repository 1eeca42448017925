import type { Kysely } from 'kysely';
import { DeployError } from '../deployments/errors';
import type { Collection, CollectionRule } from '../deployments/model';
import { isUniqueViolation, toCollection } from './rows';
import type { DpDatabase } from './schema';
import { MachineIndex } from './machine-index';
import { TargetingCache } from './targeting-cache';

/** Every query on collections, their rules and static members. */
export class CollectionQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    /** Told when a collection's rules change (or it goes): the agent's request reads them from there. */
    private readonly targeting: TargetingCache = new TargetingCache(),
    /** Told which machines' memberships changed, once committed. */
    private readonly index: MachineIndex = new MachineIndex(),
  ) {}

  /** Rules arrive parsed (deployments/rules.ts parseRule), so the store holds only valid ones. */
  async add(name: string, rules: readonly CollectionRule[], now: Date): Promise<Collection> {
    try {
      await this.db.insertInto('collections').values({ name, rules: JSON.stringify(rules), created_at: now }).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DeployError('DP_COLLECTION_EXISTS', `a collection named ${name} already exists`, { name });
      throw err;
    }
    return this.get(name);
  }

  async get(name: string): Promise<Collection> {
    const row = await this.db.selectFrom('collections').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new DeployError('DP_COLLECTION_NOT_FOUND', `no collection ${name}`, { collection: name });
    const members = await this.db.selectFrom('collection_members').select('machine_id').where('collection_id', '=', row.id).execute();
    return toCollection(row, members.map((m) => m.machine_id));
  }

  async list(): Promise<Collection[]> {
    const rows = await this.db.selectFrom('collections').selectAll().orderBy('name').execute();
    const members = await this.db.selectFrom('collection_members').select(['collection_id', 'machine_id']).execute();
    return rows.map((r) => toCollection(r, members.filter((m) => m.collection_id === r.id).map((m) => m.machine_id)));
  }

  /** Refused while deployments target it: they would lose their machines silently. */
  async remove(name: string): Promise<void> {
    const c = await this.get(name);
    const users = await this.db.selectFrom('deployments').select('name').where('collection_id', '=', c.id).orderBy('name').execute();
    if (users.length > 0) {
      const names = users.map((u) => u.name);
      throw new DeployError('DP_COLLECTION_IN_USE', `collection ${name} is targeted by deployment(s) ${names.join(', ')}`, { collection: name, deployments: names });
    }
    try {
      await this.db.deleteFrom('collections').where('id', '=', c.id).execute();
    } finally {
      this.targeting.invalidate();
      // Its memberships went with it (on delete cascade).
      this.index.forgetWhere((m) => m.memberOf.has(c.id));
    }
  }

  async setRules(name: string, rules: readonly CollectionRule[]): Promise<Collection> {
    const c = await this.get(name);
    await this.db.updateTable('collections').set({ rules: JSON.stringify(rules) }).where('id', '=', c.id).execute();
    this.targeting.invalidate();
    return this.get(name);
  }

  /** Adding a member twice is not an error: the machine is a member either way. */
  async addMember(collection: string, machine: string): Promise<Collection> {
    const c = await this.get(collection);
    const m = await machineId(this.db, machine);
    try {
      await this.db.insertInto('collection_members').values({ collection_id: c.id, machine_id: m }).onConflict((oc) => oc.doNothing()).execute();
    } finally {
      this.index.forget(m);
    }
    return this.get(collection);
  }

  async removeMember(collection: string, machine: string): Promise<Collection> {
    const c = await this.get(collection);
    const m = await machineId(this.db, machine);
    try {
      await this.db.deleteFrom('collection_members').where('collection_id', '=', c.id).where('machine_id', '=', m).execute();
    } finally {
      this.index.forget(m);
    }
    return this.get(collection);
  }
}

async function machineId(db: Kysely<DpDatabase>, name: string): Promise<number> {
  const row = await db.selectFrom('machines').select('id').where('name', '=', name).executeTakeFirst();
  if (!row) throw new DeployError('DP_MACHINE_NOT_FOUND', `no machine ${name}`, { machine: name });
  return row.id;
}
