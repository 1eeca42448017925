import { sql, type Kysely, type Selectable } from 'kysely';
import type { TargetedDeployment } from '../deployments/decide';
import { normalizeMac, normalizeUuid } from '../deployments/mac';
import { matchMachine, type MachineMatch } from '../deployments/match-machine';
import type { Machine } from '../deployments/model';
import { targetedFrom, type DeploymentQueries } from './deployment-queries';
import type { MachineQueries, SeenMachine } from './machine-queries';
import { toMachine } from './rows';
import type { DpDatabase } from './schema';
import type { SeenBatch } from './seen-batch';

/** What the agent's "what do I do" needs from the store: who it is, and decide()'s input. */
export type AgentLookup = { match: MachineMatch; machine: null } | { match: MachineMatch; machine: Machine; targeted: TargetedDeployment[] };

type CandidateRow = Selectable<DpDatabase['machines']> & { macs: string[]; member_of: number[]; done: number[] };

/**
 * The agent's request path. A machine the DP knows, reporting no new MAC or UUID, costs one
 * read statement (the machine, its MACs, memberships and done list together) and no write: its
 * last-seen and SMBIOS facts go to the SeenBatch. Anything else (first contact of an unknown
 * machine, a new NIC, a UUID) takes MachineQueries.recordSeen's transaction as before. Before
 * this, every request was a transaction of four statements plus a fifth read: 5.1 ms of DP CPU
 * per answer on PGlite, where the goal needs well under 5 (docs/deployments.md "Scale").
 */
export class AssignmentQueries {
  constructor(
    private readonly db: Kysely<DpDatabase>,
    private readonly machines: MachineQueries,
    private readonly deployments: DeploymentQueries,
    private readonly seen: SeenBatch,
  ) {}

  async forAgent(reported: SeenMachine, now: Date): Promise<AgentLookup> {
    const macs = [...new Set(reported.macs.map(normalizeMac))];
    const uuid = reported.uuid ? normalizeUuid(reported.uuid) : null;
    const [rows, all] = await Promise.all([candidateRows(this.db, macs, uuid), this.deployments.targetingAll()]);
    const match = matchMachine({ macs, uuid }, rows);
    if (match.kind === 'conflict') return { match, machine: null };
    const row = match.kind === 'match' && match.newMacs.length === 0 ? rows.find((r) => r.id === match.machineId) : undefined;
    if (row && (uuid === null || uuid === row.uuid)) {
      const o = { at: now, ip: reported.ip ?? null, serial: reported.serial ?? null, vendor: reported.vendor ?? null, model: reported.model ?? null };
      this.seen.note(row.id, o);
      // The machine as it is once the batch is written: decide() may match on the model just reported.
      const machine = toMachine(
        {
          ...row,
          first_seen: row.first_seen ?? now,
          last_seen: row.last_seen !== null && row.last_seen > now ? row.last_seen : now,
          last_ip: o.ip ?? row.last_ip,
          serial: o.serial ?? row.serial,
          vendor: o.vendor ?? row.vendor,
          model: o.model ?? row.model,
        },
        row.macs,
      );
      return { match, machine, targeted: targetedFrom(all, row.id, new Set(row.member_of), new Set(row.done)) };
    }
    const written = await this.machines.recordSeen(reported, now);
    if (!written.machine) return { match: written.match, machine: null };
    return { match: written.match, machine: written.machine, targeted: await this.deployments.targetedFor(written.machine.id) };
  }
}

/**
 * Every machine holding one of the MACs or the UUID, with its MACs, static memberships and the
 * required deployments done on it, in one statement (the request's only round trip).
 */
async function candidateRows(db: Kysely<DpDatabase>, macs: string[], uuid: string | null): Promise<CandidateRow[]> {
  const byUuid = uuid === null ? sql`` : sql`union select id from machines where uuid = ${uuid}`;
  const { rows } = await sql<CandidateRow>`
    with ids as (select machine_id as id from machine_macs where mac = any(${macs}::text[]) ${byUuid})
    select m.*,
      coalesce((select array_agg(mac) from machine_macs where machine_id = m.id), '{}') as macs,
      coalesce((select array_agg(collection_id) from collection_members where machine_id = m.id), '{}') as member_of,
      coalesce((select array_agg(deployment_id) from deployment_done where machine_id = m.id), '{}') as done
    from machines as m where m.id in (select id from ids)`.execute(db);
  return rows;
}
