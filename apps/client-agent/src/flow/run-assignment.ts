// The DP's answer to "what do I do" (POST /api/v1/agent/assignment, issue 24) and the report the
// agent sends back, as the agent reads and writes them. The shape is checked just enough that the
// run flow cannot trip on a missing field; a malformed answer is the DP's fault (exit 3).
import { AgentError } from '../errors';

export type AfterAction = 'reboot' | 'poweroff' | 'none';

export interface DeployAssignment {
  action: 'deploy';
  machine: string | null;
  deployment: string;
  image: string;
  /** Disk selector (libs/chunking disk-select); `--disk` overrides it. */
  disk: string;
  after: AfterAction;
  /** Post-deploy script URL, or null. */
  script: string | null;
  /** The machine's variables, given to the script in its environment. */
  variables: Record<string, string>;
  /** The image's size, so `first-fixed` can skip disks too small; absent from older DPs. */
  imageBytes?: number;
}

/** A `capture` deployment (issue 26): the machine's disk becomes the image `image`. */
export interface CaptureAssignment {
  action: 'capture';
  machine: string | null;
  deployment: string;
  /** The new image's name, chosen by the DP (the deployment's pattern, expanded). */
  image: string;
  /** Disk selector of the disk to capture; `--disk` overrides it. */
  disk: string;
  after: AfterAction;
  /** The capture grant: opens the DP's capture routes for `image` only, for a few hours. */
  grant: string;
}

export type Assignment =
  | DeployAssignment
  | CaptureAssignment
  | { action: 'wait'; machine: string | null; until: string; reason: string }
  | { action: 'nothing'; machine: string | null; reason: string; available: string[] }
  | { action: 'conflict'; machine: string | null; deployments: string[]; reason: string };

/** What the agent says about itself: MACs first (the DP matches by MAC), then SMBIOS facts. */
export interface AssignmentRequest {
  macs: string[];
  uuid?: string;
  serial?: string;
  vendor?: string;
  model?: string;
  /** An `available` deployment picked at the machine (--choose). */
  choose?: string;
}

export type ReportResult = 'ok' | 'failed' | 'refused';

export interface RunReport {
  macs: string[];
  deployment: string;
  /** A capture: the image it made (the deployment holds only its name pattern). */
  image?: string;
  result: ReportResult;
  /** The agent's clock at the start; the DP keeps its own clock and uses `durationMs`. */
  startedAt: string;
  durationMs: number;
  exitCode: number;
  message: string;
  bytes?: number;
  transport?: 'multicast' | 'unicast';
  repairedSymbols?: number;
}

export function parseAssignment(v: unknown): Assignment {
  const bad = (why: string): AgentError => new AgentError('dp-refused', `The DP sent a malformed assignment: ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const r = v as Record<string, unknown>;
  const str = (k: string): string => {
    const x = r[k];
    if (typeof x !== 'string' || x === '') throw bad(`${k} is not a string`);
    return x;
  };
  const machine = typeof r['machine'] === 'string' ? r['machine'] : null;
  const strings = (k: string): string[] => {
    const x = r[k];
    if (!Array.isArray(x) || !x.every((e) => typeof e === 'string')) throw bad(`${k} is not a list of names`);
    return x as string[];
  };
  switch (r['action']) {
    case 'deploy': {
      const after = r['after'];
      if (after !== 'reboot' && after !== 'poweroff' && after !== 'none') throw bad(`after is ${JSON.stringify(after)}`);
      const script = r['script'] === null || r['script'] === undefined ? null : str('script');
      const vars = r['variables'] ?? {};
      if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || !Object.values(vars).every((x) => typeof x === 'string')) throw bad('variables is not a map of strings');
      const size = r['imageBytes'];
      if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) throw bad('imageBytes is not a byte count');
      return { action: 'deploy', machine, deployment: str('deployment'), image: str('image'), disk: str('disk'), after, script, variables: { ...(vars as Record<string, string>) }, ...(size === undefined ? {} : { imageBytes: size }) };
    }
    case 'capture': {
      const after = r['after'];
      if (after !== 'reboot' && after !== 'poweroff' && after !== 'none') throw bad(`after is ${JSON.stringify(after)}`);
      return { action: 'capture', machine, deployment: str('deployment'), image: str('image'), disk: str('disk'), after, grant: str('grant') };
    }
    case 'wait':
      if (!Number.isFinite(Date.parse(str('until')))) throw bad('until is not a time');
      return { action: 'wait', machine, until: str('until'), reason: str('reason') };
    case 'nothing':
      return { action: 'nothing', machine, reason: str('reason'), available: r['available'] === undefined ? [] : strings('available') };
    case 'conflict':
      return { action: 'conflict', machine, deployments: strings('deployments'), reason: str('reason') };
    default:
      throw bad(`unknown action ${JSON.stringify(r['action'])}`);
  }
}
