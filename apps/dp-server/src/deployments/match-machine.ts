import { isPlaceholderUuid, normalizeMac, normalizeUuid } from './mac';

/** What an agent reports about itself (the identity part the DP matches on). */
export interface ReportedIdentity {
  macs: readonly string[];
  uuid?: string | null;
}

export interface KnownMachineIds {
  id: number;
  macs: readonly string[];
  uuid: string | null;
}

export type MachineMatch =
  /** `newMacs`: reported MACs the machine does not have yet (a second NIC seen for the first time). */
  | { kind: 'match'; machineId: number; by: 'mac' | 'uuid'; newMacs: string[] }
  /** No machine has these MACs: register a new one. `sharedUuidWith`: machines reporting the same UUID. */
  | { kind: 'new'; sharedUuidWith: number[] }
  /** The reported MACs belong to different machines: never merged, the operator decides. */
  | { kind: 'conflict'; machineIds: number[] };

/**
 * Finds the machine an agent is, by MAC first. SMBIOS UUIDs are not unique in practice
 * (placeholder and copied UUIDs; in the test LAN every namespace shares one), so a UUID only
 * identifies a machine that has no MAC recorded yet, is not a placeholder, and is held by exactly
 * one machine; a UUID seen with other MACs never merges two machines.
 */
export function matchMachine(reported: ReportedIdentity, known: readonly KnownMachineIds[]): MachineMatch {
  const macs = [...new Set(reported.macs.map((m) => normalizeMac(m)))];
  const owners = known.filter((k) => k.macs.some((m) => macs.includes(m)));
  if (owners.length > 1) return { kind: 'conflict', machineIds: owners.map((o) => o.id).sort((a, b) => a - b) };
  const owner = owners[0];
  if (owner) return { kind: 'match', machineId: owner.id, by: 'mac', newMacs: macs.filter((m) => !owner.macs.includes(m)) };
  const uuid = reported.uuid ? normalizeUuid(reported.uuid) : '';
  if (uuid === '' || isPlaceholderUuid(uuid)) return { kind: 'new', sharedUuidWith: [] };
  const sameUuid = known.filter((k) => k.uuid !== null && normalizeUuid(k.uuid) === uuid);
  const only = sameUuid[0];
  if (sameUuid.length === 1 && only && only.macs.length === 0) return { kind: 'match', machineId: only.id, by: 'uuid', newMacs: macs };
  return { kind: 'new', sharedUuidWith: sameUuid.map((k) => k.id).sort((a, b) => a - b) };
}
