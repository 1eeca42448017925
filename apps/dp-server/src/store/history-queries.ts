import { sql, type Kysely } from 'kysely';
import type { HistoryEntry } from '../deployments/model';
import type { HistoryCursor } from './history-cursor';
import { toHistory } from './rows';
import type { DpDatabase } from './schema';

/** What is known when an attempt starts: the history entry's first fields. */
export type AttemptStart = Pick<HistoryEntry, 'machineId' | 'machineName' | 'deploymentId' | 'deploymentName' | 'image' | 'startedAt'>;

export interface AttemptEnd {
  endedAt: Date;
  result: 'ok' | 'failed';
  message: string;
  exitCode?: number | null;
  bytes?: number | null;
  transport?: 'multicast' | 'unicast' | null;
  repairedSymbols?: number | null;
}

export interface HistoryFilter {
  machine?: string;
  deployment?: string;
  since?: Date;
  /** @default 100, at most 1000 */
  limit?: number;
  /** The `next` of the previous page: entries older than it. */
  after?: HistoryCursor;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Where the next page starts; null on the last page. */
  next: HistoryCursor | null;
}

/** Every query on the deployment history: attempts, their ends, and refused requests. */
export class HistoryQueries {
  constructor(private readonly db: Kysely<DpDatabase>) {}

  async start(a: AttemptStart): Promise<number> {
    const row = await this.db
      .insertInto('history')
      .values({ machine_id: a.machineId, machine_name: a.machineName, deployment_id: a.deploymentId, deployment_name: a.deploymentName, image: a.image, started_at: a.startedAt, result: 'running', message: '' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async finish(id: number, e: AttemptEnd): Promise<void> {
    await this.db
      .updateTable('history')
      .set({ ended_at: e.endedAt, result: e.result, message: e.message, exit_code: e.exitCode ?? null, bytes: e.bytes ?? null, transport: e.transport ?? null, repaired_symbols: e.repairedSymbols ?? null })
      .where('id', '=', id)
      .execute();
  }

  /** A request that never started (unknown image, image changed, no disk matched) is history too. */
  async refused(a: AttemptStart, message: string, exitCode: number | null = null): Promise<number> {
    const row = await this.db
      .insertInto('history')
      .values({ machine_id: a.machineId, machine_name: a.machineName, deployment_id: a.deploymentId, deployment_name: a.deploymentName, image: a.image, started_at: a.startedAt, ended_at: a.startedAt, result: 'refused', message, exit_code: exitCode })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A deployment re-armed on a machine from the machine itself (agent `refresh`): no attempt yet. */
  async rearmed(a: AttemptStart, message: string): Promise<number> {
    const row = await this.db
      .insertInto('history')
      .values({ machine_id: a.machineId, machine_name: a.machineName, deployment_id: a.deploymentId, deployment_name: a.deploymentName, image: a.image, started_at: a.startedAt, ended_at: a.startedAt, result: 'rearmed', message })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Newest first. Filters use the names copied into each entry, so removed machines stay queryable. */
  async list(f: HistoryFilter = {}): Promise<HistoryEntry[]> {
    return (await this.page(f)).entries;
  }

  /** One page, newest first, by keyset: (started_at, id) below the cursor's. */
  async page(f: HistoryFilter = {}): Promise<HistoryPage> {
    const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000);
    let q = this.db.selectFrom('history').selectAll();
    if (f.machine !== undefined) q = q.where('machine_name', '=', f.machine);
    if (f.deployment !== undefined) q = q.where('deployment_name', '=', f.deployment);
    if (f.since !== undefined) q = q.where('started_at', '>=', f.since);
    if (f.after !== undefined) q = q.where(sql<boolean>`(started_at, id) < (${f.after.startedAt}, ${f.after.id})`);
    const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const entries = rows.slice(0, limit).map(toHistory);
    const last = entries[entries.length - 1];
    return { entries, next: rows.length > limit && last ? { startedAt: last.startedAt, id: last.id } : null };
  }
}
