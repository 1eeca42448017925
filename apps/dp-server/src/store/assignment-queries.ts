import { sql, type Kysely, type Selectable } from 'kysely';
import type { TargetedDeployment } from '../deployments/decide';
import { normalizeMac, normalizeUuid } from '../deployments/mac';
import { matchMachine, type MachineMatch } from '../deployments/match-machine';
import type { Machine } from '../deployments/model';
import { targetedFrom, type DeploymentQueries } from './deployment-queries';
import type { MachineQueries, SeenMachine } from './machine-queries';
import { observed, type IndexedMachine, type MachineIndex } from './machine-index';
import { toMachine } from './rows';
import type { DpDatabase } from './schema';
import type { SeenBatch } from './seen-batch';
import type { Targeting } from './targeting-cache';

/** What the agent's "what do I do" needs from the store: who it is, and decide()'s input. */
export type AgentLookup = { match: MachineMatch; machine: null } | { match: MachineMatch; machine: Machine; targeted: TargetedDeployment[] };

type CandidateRow = Selectable<DpDatabase['machines']> & { macs: string[]; member_of: number[]; done: number[] };

/**
 * The agent's request path. A machine the DP knows, reporting no new MAC or UUID, is answered
 * from memory (MachineIndex: every machine by MAC, with its memberships and done list) with no
 * statement at all; its last-seen and SMBIOS facts go to the SeenBatch. A machine the index does
 * not hold (added or changed since it was filled) costs one read statement, and is installed.
 * Anything else (first contact of an unknown machine, a new NIC, a UUID) takes
 * MachineQueries.recordSeen's transaction. History: four statements in a transaction plus a read
 * (5.1 ms of DP CPU per answer on PGlite), then one read (3.0 ms), now none (docs/deployments.md "Scale").
 */
export class AssignmentQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    private readonly machines: MachineQueries,
    private readonly deployments: DeploymentQueries,
    private readonly seen: SeenBatch,
    private readonly index: MachineIndex,
  ) {}

  /**
   * Fills the index with every machine (one statement). The first request does it if nobody has;
   * serve starts it at once, so that it is not on an agent's answer.
   */
  warm(): Promise<void> {
    return this.index.load(async () => {
      const rows = await candidateRows(this.db, 'all');
      return rows.map((r) => this.entryOf(r));
    });
  }

  async forAgent(reported: SeenMachine, now: Date): Promise<AgentLookup> {
    const macs = [...new Set(reported.macs.map(normalizeMac))];
    const uuid = reported.uuid ? normalizeUuid(reported.uuid) : null;
    // A failed fill is not this request's failure: it is answered from SQL, and the next one fills.
    if (!this.index.loaded) await this.warm().catch(() => undefined);
    const hit = this.index.find(macs);
    if (hit && (uuid === null || uuid === hit.row.uuid)) {
      // What matchMachine would say: every reported MAC is this machine's, and only its.
      const match: MachineMatch = { kind: 'match', machineId: hit.row.id, by: 'mac', newMacs: [] };
      return this.known(match, hit, reported, now, await this.deployments.targetingAll());
    }
    const ticket = this.index.ticket();
    const [rows, all] = await Promise.all([candidateRows(this.db, { macs, uuid }), this.deployments.targetingAll()]);
    const match = matchMachine({ macs, uuid }, rows);
    if (match.kind === 'conflict') return { match, machine: null };
    const row = match.kind === 'match' && match.newMacs.length === 0 ? rows.find((r) => r.id === match.machineId) : undefined;
    if (row && (uuid === null || uuid === row.uuid)) {
      const entry = this.entryOf(row);
      this.index.install(entry, ticket);
      return this.known(match, entry, reported, now, all);
    }
    const written = await this.machines.recordSeen(reported, now);
    if (!written.machine) return { match: written.match, machine: null };
    return { match: written.match, machine: written.machine, targeted: await this.deployments.targetedFor(written.machine.id) };
  }

  /** A known machine's answer: its observation noted (index and batch), decide()'s input from memory. */
  private known(match: MachineMatch, entry: IndexedMachine, reported: SeenMachine, now: Date, all: readonly Targeting[]): AgentLookup {
    const o = { at: now, ip: reported.ip ?? null, serial: reported.serial ?? null, vendor: reported.vendor ?? null, model: reported.model ?? null };
    this.seen.note(entry.row.id, o);
    // The machine as it is once the batch is written: decide() may match on the model just reported.
    entry.row = observed(entry.row, o);
    return { match, machine: toMachine(entry.row, entry.macs), targeted: targetedFrom(all, entry.row.id, entry.memberOf, entry.done) };
  }

  /** A row read from SQL, with the observation the batch has not written yet. */
  private entryOf(r: CandidateRow): IndexedMachine {
    const { macs, member_of, done, ...row } = r;
    const unwritten = this.seen.unwritten(row.id);
    return { row: unwritten ? observed(row, unwritten) : row, macs, memberOf: new Set(member_of), done: new Set(done) };
  }
}

/**
 * Every machine holding one of the MACs or the UUID (or, with 'all', every machine), with its
 * MACs, static memberships and the required deployments done on it, in one statement: one
 * snapshot on both backends, so the index is never filled from two moments.
 */
async function candidateRows(db: Kysely<DpDatabase>, who: { macs: string[]; uuid: string | null } | 'all'): Promise<CandidateRow[]> {
  let where = sql``;
  if (who !== 'all') {
    const byUuid = who.uuid === null ? sql`` : sql`union select id from machines where uuid = ${who.uuid}`;
    where = sql`where m.id in (select machine_id from machine_macs where mac = any(${who.macs}::text[]) ${byUuid})`;
  }
  const { rows } = await sql<CandidateRow>`
    select m.*,
      coalesce((select array_agg(mac) from machine_macs where machine_id = m.id), '{}') as macs,
      coalesce((select array_agg(collection_id) from collection_members where machine_id = m.id), '{}') as member_of,
      coalesce((select array_agg(deployment_id) from deployment_done where machine_id = m.id), '{}') as done
    from machines as m ${where}`.execute(db);
  return rows;
}
