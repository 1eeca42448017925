import { sql, type Kysely } from 'kysely';
import type { TargetedDeployment } from '../deployments/decide';
import { DeployError } from '../deployments/errors';
import type { AfterAction, Deployment, DeploymentKind, Purpose } from '../deployments/model';
import { isUniqueViolation, toCollection, toDeployment } from './rows';
import type { DpDatabase } from './schema';
import { MachineIndex } from './machine-index';
import { TargetingCache, type Targeting } from './targeting-cache';

export interface NewDeployment {
  name: string;
  /** @default 'deploy' */
  kind?: DeploymentKind;
  image: string;
  collection: string;
  purpose?: Purpose;
  disk?: string;
  after?: AfterAction;
  script?: string | null;
  notBefore?: Date | null;
  deadline?: Date | null;
  variables?: Record<string, string>;
}

const PURPOSES: readonly string[] = ['required', 'available'];
const KINDS: readonly string[] = ['deploy', 'capture'];
const AFTERS: readonly string[] = ['reboot', 'poweroff', 'none'];

/** Every query on deployments and on which machines a required one has run. */
export class DeploymentQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    private readonly targeting: TargetingCache = new TargetingCache(),
    /** Told which machines' done lists changed, once committed. */
    private readonly index: MachineIndex = new MachineIndex(),
  ) {}

  /**
   * The image name is not checked here: images are still in state.json (docs/deployments.md);
   * the route that adds a deployment checks it against the catalog.
   */
  async add(d: NewDeployment, now: Date): Promise<Deployment> {
    const purpose = d.purpose ?? 'required';
    const after = d.after ?? 'reboot';
    const kind = d.kind ?? 'deploy';
    if (!KINDS.includes(kind)) throw bad(`kind "${kind}" is not deploy or capture`, 'kind');
    if (!PURPOSES.includes(purpose)) throw bad(`purpose "${purpose}" is not required or available`, 'purpose');
    if (!AFTERS.includes(after)) throw bad(`after "${after}" is not reboot, poweroff or none`, 'after');
    if (d.notBefore && d.deadline && d.deadline <= d.notBefore) throw bad(`the deadline ${d.deadline.toISOString()} is not after not-before ${d.notBefore.toISOString()}`, 'deadline');
    for (const [k, v] of Object.entries(d.variables ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string') throw bad(`variable "${k}" must be an environment-variable name with a string value`, 'variables');
    }
    const coll = await this.db.selectFrom('collections').select('id').where('name', '=', d.collection).executeTakeFirst();
    if (!coll) throw new DeployError('DP_COLLECTION_NOT_FOUND', `no collection ${d.collection}`, { collection: d.collection });
    try {
      await this.db
        .insertInto('deployments')
        .values({
          name: d.name,
          kind,
          image: d.image,
          collection_id: coll.id,
          purpose,
          disk: d.disk ?? 'first-fixed',
          after,
          script: d.script ?? null,
          not_before: d.notBefore ?? null,
          deadline: d.deadline ?? null,
          variables: JSON.stringify(d.variables ?? {}),
          created_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DeployError('DP_DEPLOYMENT_EXISTS', `a deployment named ${d.name} already exists`, { name: d.name });
      throw err;
    } finally {
      this.targeting.invalidate();
    }
    return this.get(d.name);
  }

  async get(name: string): Promise<Deployment> {
    const row = await this.withCollection().where('deployments.name', '=', name).executeTakeFirst();
    if (!row) throw new DeployError('DP_DEPLOYMENT_NOT_FOUND', `no deployment ${name}`, { deployment: name });
    return toDeployment(row);
  }

  async list(): Promise<Deployment[]> {
    return (await this.withCollection().orderBy('deployments.name').execute()).map(toDeployment);
  }

  async remove(name: string): Promise<void> {
    const d = await this.get(name);
    try {
      await this.db.deleteFrom('deployments').where('id', '=', d.id).execute();
    } finally {
      this.targeting.invalidate();
      // Its done list went with it (on delete cascade).
      this.index.forgetWhere((m) => m.done.has(d.id));
    }
  }

  /** A required deployment finished on a machine: it does not run there again until rerun. */
  async markDone(deploymentId: number, machineId: number, now: Date): Promise<void> {
    try {
      await this.db
        .insertInto('deployment_done')
        .values({ deployment_id: deploymentId, machine_id: machineId, done_at: now })
        .onConflict((oc) => oc.columns(['deployment_id', 'machine_id']).doUpdateSet({ done_at: now }))
        .execute();
    } finally {
      this.index.forget(machineId);
    }
  }

  /** Re-arms one machine (by name) or, without one, every machine. Returns how many were re-armed. */
  async rerun(name: string, machine?: string): Promise<number> {
    const d = await this.get(name);
    let q = this.db.deleteFrom('deployment_done').where('deployment_id', '=', d.id);
    let one: number | undefined;
    if (machine !== undefined) {
      const m = await this.db.selectFrom('machines').select('id').where('name', '=', machine).executeTakeFirst();
      if (!m) throw new DeployError('DP_MACHINE_NOT_FOUND', `no machine ${machine}`, { machine });
      one = m.id;
      q = q.where('machine_id', '=', m.id);
    }
    try {
      const res = await q.executeTakeFirst();
      return Number(res.numDeletedRows);
    } finally {
      if (one !== undefined) this.index.forget(one);
      else this.index.forgetWhere((m) => m.done.has(d.id));
    }
  }

  /**
   * Every deployment with its collection and whether it ran on `machineId`: the input of decide().
   * Each collection's `members` holds only this machine (when it is one): that is all decide()
   * asks, and it keeps the agent's request from reading every membership of every collection.
   */
  async targetedFor(machineId: number): Promise<TargetedDeployment[]> {
    const all = await this.targetingAll();
    if (all.length === 0) return [];
    // This machine's memberships and done list in one query.
    const mine = await this.db
      .selectFrom('collection_members')
      .select(['collection_id as id', sql<string>`'member'`.as('kind')])
      .where('machine_id', '=', machineId)
      .unionAll(this.db.selectFrom('deployment_done').select(['deployment_id as id', sql<string>`'done'`.as('kind')]).where('machine_id', '=', machineId))
      .execute();
    const memberOf = new Set(mine.filter((r) => r.kind === 'member').map((r) => r.id));
    const doneIds = new Set(mine.filter((r) => r.kind === 'done').map((r) => r.id));
    return targetedFrom(all, machineId, memberOf, doneIds);
  }

  /** Every deployment with its collection (no members), from the cache. */
  targetingAll(): Promise<readonly Targeting[]> {
    return this.targeting.get(() => this.loadTargeting());
  }

  private async loadTargeting(): Promise<Targeting[]> {
    const rows = await this.withCollection().select(['collections.rules as collection_rules', 'collections.created_at as collection_created_at']).orderBy('deployments.name').execute();
    return rows.map((row) => {
      const { members: _none, ...collection } = toCollection({ id: row.collection_id, name: row.collection_name, rules: row.collection_rules, created_at: row.collection_created_at }, []);
      return { deployment: toDeployment(row), collection };
    });
  }

  private withCollection() {
    return this.db.selectFrom('deployments').innerJoin('collections', 'collections.id', 'deployments.collection_id').selectAll('deployments').select('collections.name as collection_name');
  }
}

/** decide()'s input for one machine from the cached deployments and its own memberships and done list. */
export function targetedFrom(all: readonly Targeting[], machineId: number, memberOf: ReadonlySet<number>, done: ReadonlySet<number>): TargetedDeployment[] {
  return all.map(({ deployment, collection }) => ({
    deployment,
    collection: { ...collection, members: memberOf.has(collection.id) ? [machineId] : [] },
    doneOnMachine: done.has(deployment.id),
  }));
}

function bad(message: string, field: string): DeployError {
  return new DeployError('DP_BAD_DEPLOYMENT', message, { field });
}
