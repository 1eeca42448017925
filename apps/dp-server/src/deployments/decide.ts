import type { AfterAction, Collection, Deployment, Machine } from './model';
import { collectionContains } from './rules';

/** A deployment with its collection and whether it has already run on the machine asked about. */
export interface TargetedDeployment {
  deployment: Deployment;
  collection: Collection;
  /** A required deployment that ran on this machine (until `deployment rerun` re-arms it). */
  doneOnMachine: boolean;
}

export interface DeployOrder {
  deployment: string;
  image: string;
  disk: string;
  after: AfterAction;
  script: string | null;
  variables: Record<string, string>;
}

export type Decision =
  /** capture: `image` is the new image's name pattern (capture-name.ts), expanded by the route. */
  | ({ action: 'deploy' } & DeployOrder)
  | ({ action: 'capture' } & DeployOrder)
  | { action: 'wait'; until: Date; reason: string }
  /** `available` lists what the machine may choose (by name) in its next request. */
  | { action: 'nothing'; reason: string; available: string[] }
  /** Two or more required deployments apply: the operator must resolve it; nothing runs meanwhile. */
  | { action: 'conflict'; deployments: string[]; reason: string };

/**
 * What `machine` is to do now. Pure: the store gathers the deployments, the caller passes the
 * clock. `chosen` names an available deployment picked at the machine.
 *
 * Rules (docs/deployments.md "Who gets what"): only deployments whose collection contains the
 * machine count. A required deployment runs once per machine; two pending required ones are a
 * conflict, never a coin toss. A pending required one outside its window waits for not-before,
 * or is skipped after its deadline. With no required one to run, a chosen available one runs.
 */
export function decide(machine: Machine, deployments: readonly TargetedDeployment[], now: Date, chosen?: string): Decision {
  const mine = deployments.filter((t) => collectionContains(t.collection, machine));
  const pendingRequired = mine.filter((t) => t.deployment.purpose === 'required' && !t.doneOnMachine && !pastDeadline(t.deployment, now));
  if (pendingRequired.length > 1) {
    const names = pendingRequired.map((t) => t.deployment.name).sort();
    return { action: 'conflict', deployments: names, reason: `required deployments ${names.join(', ')} all target machine ${machine.name}` };
  }
  const required = pendingRequired[0];
  if (required) {
    const d = required.deployment;
    if (d.notBefore && now < d.notBefore) {
      return { action: 'wait', until: d.notBefore, reason: `deployment ${d.name} starts at ${d.notBefore.toISOString()}` };
    }
    return deployOrder(d);
  }
  const available = mine.filter((t) => t.deployment.purpose === 'available' && inWindow(t.deployment, now)).map((t) => t.deployment);
  const names = available.map((d) => d.name).sort();
  if (chosen !== undefined) {
    const pick = available.find((d) => d.name === chosen);
    if (pick) return deployOrder(pick);
    return { action: 'nothing', reason: `deployment ${chosen} is not available to machine ${machine.name} now`, available: names };
  }
  return { action: 'nothing', reason: nothingReason(mine, names), available: names };
}

function deployOrder(d: Deployment): Decision {
  const order: DeployOrder = { deployment: d.name, image: d.image, disk: d.disk, after: d.after, script: d.script, variables: { ...d.variables } };
  return d.kind === 'capture' ? { action: 'capture', ...order } : { action: 'deploy', ...order };
}

function pastDeadline(d: Deployment, now: Date): boolean {
  return d.deadline !== null && now > d.deadline;
}

function inWindow(d: Deployment, now: Date): boolean {
  return !pastDeadline(d, now) && (d.notBefore === null || now >= d.notBefore);
}

function nothingReason(mine: readonly TargetedDeployment[], available: string[]): string {
  if (mine.length === 0) return 'no deployment targets this machine';
  if (available.length > 0) return `no required deployment; available: ${available.join(', ')}`;
  return 'every deployment for this machine has run or is outside its window';
}
