import type { Selectable } from 'kysely';
import type { Collection, CollectionRule, Deployment, HistoryEntry, Machine, MachineState } from '../deployments/model';
import type { DpDatabase } from './schema';

/** Row -> record mappers, so the rest of the DP never sees column names or driver types. */

export function toMachine(row: Selectable<DpDatabase['machines']>, macs: readonly string[]): Machine {
  return {
    id: row.id,
    name: row.name,
    state: row.state as MachineState,
    macs: [...macs].sort(),
    uuid: row.uuid,
    serial: row.serial,
    vendor: row.vendor,
    model: row.model,
    lastIp: row.last_ip,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    createdAt: row.created_at,
  };
}

export function toCollection(row: Selectable<DpDatabase['collections']>, members: number[]): Collection {
  return { id: row.id, name: row.name, rules: row.rules as CollectionRule[], members: [...members].sort((a, b) => a - b), createdAt: row.created_at };
}

export function toDeployment(row: Selectable<DpDatabase['deployments']> & { collection_name: string }): Deployment {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Deployment['kind'],
    image: row.image,
    collectionId: row.collection_id,
    collectionName: row.collection_name,
    purpose: row.purpose as Deployment['purpose'],
    disk: row.disk,
    after: row.after as Deployment['after'],
    script: row.script,
    notBefore: row.not_before,
    deadline: row.deadline,
    variables: row.variables,
    createdAt: row.created_at,
  };
}

export function toHistory(row: Selectable<DpDatabase['history']>): HistoryEntry {
  return {
    id: row.id,
    machineId: row.machine_id,
    machineName: row.machine_name,
    deploymentId: row.deployment_id,
    deploymentName: row.deployment_name,
    image: row.image,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    bytes: row.bytes === null ? null : Number(row.bytes),
    transport: row.transport as HistoryEntry['transport'],
    repairedSymbols: row.repaired_symbols,
    exitCode: row.exit_code,
    result: row.result as HistoryEntry['result'],
    message: row.message,
  };
}

/** PostgreSQL's unique_violation, raised the same way by pg and PGlite. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
