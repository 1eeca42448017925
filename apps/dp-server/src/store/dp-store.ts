import type { Kysely, RawBuilder } from 'kysely';
import { CollectionQueries } from './collection-queries';
import { DeploymentQueries } from './deployment-queries';
import { HistoryQueries } from './history-queries';
import { MachineQueries } from './machine-queries';
import { OperatorLogQueries } from './operator-log-queries';
import { describe, openDatabase, type StoreLocation } from './open';
import type { DpDatabase } from './schema';
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
  /** The dashboard's refused requests and rate samples. */
  readonly operatorLog: OperatorLogQueries;
  /** One cache of the deployments and their collections, cleared by either's writes. */
  private readonly targeting = new TargetingCache();

  private constructor(
    private readonly db: Kysely<DpDatabase>,
    readonly where: string,
  ) {
    this.machines = new MachineQueries(db);
    // One cache of the deployments and their collections, cleared by either's writes.
    this.collections = new CollectionQueries(db, this.targeting);
    this.deployments = new DeploymentQueries(db, this.targeting);
    this.history = new HistoryQueries(db);
    this.state = new StateQueries(db);
    this.operatorLog = new OperatorLogQueries(db);
  }

  static async open(location: StoreLocation): Promise<DpStore> {
    return new DpStore(await openDatabase(location), describe(location));
  }

  /** Runs one raw statement; for tests and maintenance only, never for the DP's own queries. */
  async raw(statement: RawBuilder<unknown>): Promise<void> {
    await statement.execute(this.db);
    // A raw statement may change anything (tests empty the tables with one).
    this.targeting.invalidate();
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
