// The DP's answer to a machine of a `capture` deployment (issue 26): the new image's name (its
// pattern expanded for this machine and day) and a capture grant for that name alone, so that the
// agent in the boot environment uploads its disk with no token that may capture on its kernel line.
import { expandCaptureName } from '../deployments/capture-name';
import type { Decision } from '../deployments/decide';
import { DeployError } from '../deployments/errors';
import type { Machine } from '../deployments/model';
import { DpError } from '../errors';
import type { DpStore } from '../store/dp-store';

/** What the assignment route needs to know of the DP's images and grants. */
export interface AssignmentImages {
  /** The image's size; throws DP_IMAGE_NOT_FOUND. */
  bytes(name: string): number;
  exists(name: string): boolean;
  /** A capture grant (security/capture-grant.ts) for `image`, issued to `mac`. */
  grant(mac: string, image: string): string;
}

type CaptureDecision = Extract<Decision, { action: 'capture' }>;

/**
 * The capture answer, or a refusal recorded in the history: a pattern that gives no valid name for
 * this machine, or an image of that name already there (a capture never replaces an image; remove
 * it, or give the deployment a pattern with {time}).
 */
export async function captureAnswer(s: DpStore, machine: Machine, d: CaptureDecision, at: Date, mac: string, images: AssignmentImages): Promise<Record<string, unknown>> {
  const named = expandCaptureName(d.image, { machine: machine.name, deployment: d.deployment, at });
  const refuse = async (why: string, image: string | null): Promise<void> => {
    const dep = await s.deployments.get(d.deployment);
    await s.history.refused({ machineId: machine.id, machineName: machine.name, deploymentId: dep.id, deploymentName: dep.name, image, startedAt: at }, why);
  };
  if (!named.ok) {
    await refuse(named.message, null);
    throw new DeployError('DP_BAD_DEPLOYMENT', `deployment ${d.deployment} cannot capture machine ${machine.name}: ${named.message}`, { field: 'image' });
  }
  if (images.exists(named.name)) {
    const why = `image ${named.name} already exists: a capture never replaces an image (remove it, or rerun the deployment with a pattern that differs, e.g. with {time})`;
    await refuse(why, named.name);
    throw new DpError('DP_IMAGE_EXISTS', why, { name: named.name });
  }
  return { machine: machine.name, ...d, image: named.name, grant: images.grant(mac, named.name) };
}
