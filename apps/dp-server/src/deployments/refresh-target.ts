import { decide, type TargetedDeployment } from './decide';
import type { Deployment, Machine } from './model';
import { collectionContains } from './rules';

/** Why a refresh re-arms nothing; the route turns each into a DeployError code. */
export type RefreshRefusal =
  | { code: 'DP_DEPLOYMENT_NOT_FOUND'; message: string; data: { deployment: string } }
  | { code: 'DP_NO_DEPLOYMENT'; message: string; data: { machine: string; deployment?: string } }
  | { code: 'DP_DEPLOYMENT_AMBIGUOUS'; message: string; data: { machine: string; deployments: string[] } };

export type RefreshTarget = { ok: true; deployment: Deployment } | ({ ok: false } & RefreshRefusal);

/**
 * Which deployment `castpoint-agent refresh` re-arms on `machine` (POST /api/v1/agent/refresh).
 * Pure, like decide(): the store gathers, the route re-arms. Only a required deployment can be
 * re-armed (an available one is never used up: it is chosen at the machine). The candidates are
 * the required ones whose collection holds the machine and whose deadline has not passed, done
 * here or not; with two or more the caller must name one (never a coin toss, as in decide()).
 * Re-arming must make the next network boot deploy it: the decision is simulated with it pending,
 * and anything but "deploy it" (it starts later, another required one is pending too) refuses
 * before anything is changed, so the agent never reboots a machine into nothing.
 */
export function refreshTarget(machine: Machine, deployments: readonly TargetedDeployment[], now: Date, name?: string): RefreshTarget {
  const mine = deployments.filter((t) => collectionContains(t.collection, machine));
  const candidates = mine.filter((t) => t.deployment.purpose === 'required' && !(t.deployment.deadline !== null && now > t.deployment.deadline));
  let pick: TargetedDeployment | undefined;
  if (name !== undefined) {
    const named = deployments.find((t) => t.deployment.name === name);
    if (!named) return { ok: false, code: 'DP_DEPLOYMENT_NOT_FOUND', message: `no deployment ${name}`, data: { deployment: name } };
    const no = (why: string): RefreshTarget => ({ ok: false, code: 'DP_NO_DEPLOYMENT', message: `deployment ${name} cannot be re-armed on machine ${machine.name}: ${why}`, data: { machine: machine.name, deployment: name } });
    if (!mine.includes(named)) return no(`its collection ${named.collection.name} does not contain the machine`);
    if (named.deployment.purpose !== 'required') return no('it is available, not required: it is chosen at the machine (boot menu or run --choose), there is nothing to re-arm');
    if (!candidates.includes(named)) return no(`its deadline ${named.deployment.deadline?.toISOString() ?? ''} has passed`);
    pick = named;
  } else if (candidates.length === 0) {
    return { ok: false, code: 'DP_NO_DEPLOYMENT', message: `machine ${machine.name} has no required deployment to re-arm (${mine.length === 0 ? 'no deployment targets it' : 'the deployments that target it are available ones or past their deadline'})`, data: { machine: machine.name } };
  } else if (candidates.length > 1) {
    const names = candidates.map((t) => t.deployment.name).sort();
    return { ok: false, code: 'DP_DEPLOYMENT_AMBIGUOUS', message: `required deployments ${names.join(', ')} all target machine ${machine.name}: name the one to re-arm`, data: { machine: machine.name, deployments: names } };
  } else {
    pick = candidates[0];
  }
  const chosen = pick;
  if (!chosen) throw new Error('unreachable: a refresh target was neither picked nor refused');
  const after = decide(machine, deployments.map((t) => (t === chosen ? { ...t, doneOnMachine: false } : t)), now);
  if ((after.action === 'deploy' || after.action === 'capture') && after.deployment === chosen.deployment.name) return { ok: true, deployment: chosen.deployment };
  const why = after.action === 'wait' ? `it starts at ${after.until.toISOString()}: re-arm it then` : after.action === 'deploy' || after.action === 'capture' ? `deployment ${after.deployment} would run instead` : after.reason;
  return { ok: false, code: 'DP_NO_DEPLOYMENT', message: `re-arming deployment ${chosen.deployment.name} would not make machine ${machine.name} deploy it at its next boot: ${why}`, data: { machine: machine.name, deployment: chosen.deployment.name } };
}
