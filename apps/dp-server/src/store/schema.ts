import type { ColumnType, Generated } from 'kysely';
import type { RateSamplesTable, RefusalsTable } from './operator-log-queries';

/**
 * The tables of the DP's SQL store, as Kysely sees them. Changed only together with a new
 * migration in migrations.ts (never by editing an old one).
 */
export interface DpDatabase {
  machines: MachinesTable;
  machine_macs: MachineMacsTable;
  collections: CollectionsTable;
  collection_members: CollectionMembersTable;
  deployments: DeploymentsTable;
  deployment_done: DeploymentDoneTable;
  history: HistoryTable;
  dp_meta: DpMetaTable;
  images: ImagesTable;
  sessions: SessionsTable;
  clients: ClientsTable;
  dp_events: DpEventsTable;
  refusals: RefusalsTable;
  rate_samples: RateSamplesTable;
}

type Timestamp = ColumnType<Date, Date, Date>;
/** jsonb: written as JSON text, read back parsed by both drivers. */
type Json<T> = ColumnType<T, string, string>;

export interface MachinesTable {
  id: Generated<number>;
  name: string;
  /** 'unknown' until an operator adds, names or approves it. */
  state: string;
  uuid: string | null;
  serial: string | null;
  vendor: string | null;
  model: string | null;
  last_ip: string | null;
  first_seen: Timestamp | null;
  last_seen: Timestamp | null;
  created_at: Timestamp;
}

export interface MachineMacsTable {
  /** Lower case, colon separated; the primary key is what makes a MAC belong to one machine. */
  mac: string;
  machine_id: number;
}

export interface CollectionsTable {
  id: Generated<number>;
  name: string;
  rules: Json<unknown>;
  created_at: Timestamp;
}

export interface CollectionMembersTable {
  collection_id: number;
  machine_id: number;
}

export interface DeploymentsTable {
  id: Generated<number>;
  name: string;
  /** deploy | capture (migration 0003); absent from an insert, it is deploy. */
  kind: ColumnType<string, string | undefined, string>;
  image: string;
  collection_id: number;
  purpose: string;
  disk: string;
  after: string;
  script: string | null;
  not_before: Timestamp | null;
  deadline: Timestamp | null;
  variables: Json<Record<string, string>>;
  created_at: Timestamp;
}

/** A required deployment that has run on a machine; `rerun` deletes rows to re-arm. */
export interface DeploymentDoneTable {
  deployment_id: number;
  machine_id: number;
  done_at: Timestamp;
}

export interface HistoryTable {
  id: Generated<number>;
  machine_id: number | null;
  /** Names are copied so the history still reads after a deployment or machine is removed. */
  machine_name: string | null;
  deployment_id: number | null;
  deployment_name: string | null;
  image: string | null;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  /** int8 comes back as a string from pg and a bigint from PGlite: read through Number(). */
  bytes: ColumnType<string | number | bigint | null, number | null, number | null>;
  transport: string | null;
  repaired_symbols: number | null;
  exit_code: number | null;
  result: string;
  message: string;
}

/** The DP's counters and tokens, one row each ('epoch', 'nextReceiverId', 'nextSessionId', 'tokens'). */
export interface DpMetaTable {
  key: string;
  value: Json<unknown>;
}

/** state/types.ts ImageRecord, whole, keyed by its name. */
export interface ImagesTable {
  name: string;
  record: Json<unknown>;
}

/** state/types.ts SessionRecord, whole; image and state are copied out for queries by hand. */
export interface SessionsTable {
  id: number;
  image: string;
  state: string;
  record: Json<unknown>;
}

/** state/types.ts ClientRecord, whole; hostname copied out for queries by hand. */
export interface ClientsTable {
  id: number;
  hostname: string;
  record: Json<unknown>;
}

/** state/types.ts HistoryEntry (the DP's event log), newest HISTORY_LIMIT kept. */
export interface DpEventsTable {
  /** The entry's number in the DP's log, oldest first. int8: read through Number(). */
  seq: ColumnType<string | number | bigint, number, number>;
  at: string;
  event: string;
  session_id: number | null;
  image: string | null;
  client_id: number | null;
  detail: string | null;
}
