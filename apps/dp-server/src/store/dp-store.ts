import type { Kysely, RawBuilder } from 'kysely';
import { CollectionQueries } from './collection-queries';
import { DeploymentQueries } from './deployment-queries';
import { HistoryQueries } from './history-queries';
import { MachineQueries } from './machine-queries';
import { OperatorLogQueries } from './operator-log-queries';
import { describe, openDatabase, type StoreLocation } from './open';
import type { DpDatabase } from './schema';
import { AssignmentQueries } from './assignment-queries';
import { MachineIndex } from './machine-index';
import { SeenBatch } from './seen-batch';
import { StateQueries } from './state-queries';
import { TargetingCache } from './targeting-cache';

/**
 * The DP's SQL store: the one owner of every query on machines, collections, deployments,
 * history, and the DP's own state (images, sessions, clients: StateQueries). Callers see typed records (deployments/model.ts) and DeployError codes, never SQL.
 */
export class DpStore {
  readonly machines: MachineQueries;
  readonly collections: CollectionQueries;
  readonly deployments: DeploymentQueries;
  readonly history: HistoryQueries;
  readonly state: StateQueries;
  /** The agent's "what do I do": no SQL for a known machine (MachineIndex), its observations batched. */
  readonly assignment: AssignmentQueries;
  /** The dashboard's refused requests and rate samples. */
  readonly operatorLog: OperatorLogQueries;
  /** One cache of the deployments and their collections, cleared by either's writes. */
  private readonly targeting = new TargetingCache();
  /** Every machine in memory for the agent's request, told of every write by the query classes. */
  private readonly index = new MachineIndex();
  private readonly seen: SeenBatch;
  /** The index's first fill, started by warmAgentIndex(); close() waits for it. */
  private warming: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Kysely<DpDatabase>,
    readonly where: string,
  ) {
    this.seen = new SeenBatch(db);
    this.machines = new MachineQueries(db, this.seen, this.index);
    this.collections = new CollectionQueries(db, this.targeting, this.index);
    this.deployments = new DeploymentQueries(db, this.targeting, this.index);
    this.history = new HistoryQueries(db);
    this.state = new StateQueries(db);
    this.assignment = new AssignmentQueries(db, this.machines, this.deployments, this.seen, this.index);
    this.operatorLog = new OperatorLogQueries(db);
  }

  static async open(location: StoreLocation): Promise<DpStore> {
    return new DpStore(await openDatabase(location), describe(location));
  }

  /** Runs one raw statement; for tests and maintenance only, never for the DP's own queries. */
  async raw<R>(statement: RawBuilder<R>): Promise<R[]> {
    // Pending observations land first, so a raw read sees them and a truncate removes them too.
    await this.seen.flush();
    try {
      const { rows } = await statement.execute(this.db);
      return rows;
    } finally {
      // A raw statement may change anything (tests empty the tables with one).
      this.targeting.invalidate();
      this.index.forgetAll();
    }
  }

  /**
   * Starts filling the agent's machine index (AssignmentQueries.warm) in the background. A failure
   * is not the caller's: the first agent's request fills it (or is answered from SQL).
   */
  warmAgentIndex(): void {
    this.warming = this.assignment.warm().catch(() => undefined);
  }

  /** Writes the batched observations of agents now (SeenBatch); close() does it too. */
  flushSeen(): Promise<void> {
    return this.seen.flush();
  }

  async close(): Promise<void> {
    try {
      await this.warming;
      await this.seen.flush();
    } finally {
      await this.db.destroy();
    }
  }
}
