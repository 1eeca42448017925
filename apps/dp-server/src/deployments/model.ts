/** The deployment model's records as the store hands them out (see docs/deployments.md). */

export type MachineState = 'unknown' | 'known';

export interface Machine {
  id: number;
  name: string;
  /** 'unknown' when it registered itself and no operator has added or named it. */
  state: MachineState;
  macs: string[];
  uuid: string | null;
  serial: string | null;
  vendor: string | null;
  model: string | null;
  lastIp: string | null;
  firstSeen: Date | null;
  lastSeen: Date | null;
  createdAt: Date;
}

export type CollectionRule =
  | { kind: 'mac'; macs: string[] }
  | { kind: 'mac-prefix'; prefix: string }
  | { kind: 'name'; glob: string }
  | { kind: 'model'; glob: string }
  | { kind: 'unknown' };

export interface Collection {
  id: number;
  name: string;
  rules: CollectionRule[];
  /** Machine ids of the static members. */
  members: number[];
  createdAt: Date;
}

export type Purpose = 'required' | 'available';
/** deploy: the image is written to the machine's disk; capture: the disk becomes a new image. */
export type DeploymentKind = 'deploy' | 'capture';
export type AfterAction = 'reboot' | 'poweroff' | 'none';

export interface Deployment {
  id: number;
  name: string;
  kind: DeploymentKind;
  /** deploy: the image written; capture: the pattern of the new image's name (capture-name.ts). */
  image: string;
  collectionId: number;
  collectionName: string;
  purpose: Purpose;
  /** A disk selector (libs/chunking disk-select), e.g. "first-fixed" or "serial:S123". */
  disk: string;
  after: AfterAction;
  script: string | null;
  notBefore: Date | null;
  deadline: Date | null;
  variables: Record<string, string>;
  createdAt: Date;
}

export interface HistoryEntry {
  id: number;
  machineId: number | null;
  machineName: string | null;
  deploymentId: number | null;
  deploymentName: string | null;
  image: string | null;
  startedAt: Date;
  endedAt: Date | null;
  bytes: number | null;
  transport: 'multicast' | 'unicast' | null;
  repairedSymbols: number | null;
  exitCode: number | null;
  /**
   * 'running' until finished; 'refused' for requests that never started (unknown image, no disk);
   * 'rearmed' when `castpoint-agent refresh` made the deployment pending again on the machine.
   */
  result: 'running' | 'ok' | 'failed' | 'refused' | 'rearmed';
  message: string;
}
