// The agent's `refresh` (issue 25, "Refresh an existing computer"), client token: an installed
// machine asks the DP to make its deployment pending again before it reboots into a network boot.
// Matched by MAC as the assignment is; re-arms as `deployment rerun NAME --machine M` does.
import type { FastifyInstance } from 'fastify';
import { DeployError } from '../deployments/errors';
import { refreshTarget } from '../deployments/refresh-target';
import type { DpStore } from '../store/dp-store';
import { identity, type Identity } from './assignment-routes';
import type { requireToken } from './auth';
import { errorReply } from './schemas';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };

const refreshBody = {
  type: 'object',
  additionalProperties: false,
  required: ['macs'],
  properties: { ...identity, deployment: { type: 'string', minLength: 1, maxLength: 63, description: 'The deployment to re-arm; required when several target the machine' } },
} as const;

const refreshReply = {
  type: 'object',
  properties: {
    machine: { type: 'string' },
    deployment: { type: 'string' },
    image: { type: 'string' },
    rearmed: { type: 'integer', description: '1 when the deployment had run on the machine and was re-armed, 0 when it was pending already' },
  },
} as const;

/**
 * `POST /api/v1/agent/refresh`. The boot token ("pxe", issue 25) is not on main yet: `auth` is the
 * client-token hook today, and the one place a boot-token check is to be added.
 */
export function refreshRoute(scope: FastifyInstance, store: () => Promise<DpStore>, now: () => number, auth: ReturnType<typeof requireToken>): void {
  scope.post<{ Body: Identity & { deployment?: string } }>(
    '/api/v1/agent/refresh',
    { onRequest: auth, schema: { tags: ['agent'], security: [{ bearer: [] }], body: refreshBody, response: { 200: refreshReply, ...errors } } },
    async (req) => {
      const s = await store();
      const at = new Date(now());
      const { deployment: name, ...id } = req.body;
      const seen = await s.machines.recordSeen({ ...id, ip: req.ip }, at);
      if (!seen.machine) {
        const ids = seen.match.kind === 'conflict' ? seen.match.machineIds : [];
        const names = await Promise.all(ids.map(async (i) => (await s.machines.get(i)).name));
        throw new DeployError('DP_IDENTIFIER_TAKEN', `the MACs ${id.macs.join(', ')} belong to machines ${names.join(', ')}: an operator must remove or merge them; nothing was re-armed`, { macs: id.macs, machines: names });
      }
      const machine = seen.machine;
      const target = refreshTarget(machine, await s.deployments.targetedFor(machine.id), at, name);
      if (!target.ok) {
        req.log.info({ machine: machine.name, code: target.code }, 'refresh refused');
        throw new DeployError(target.code, target.message, target.data);
      }
      const d = target.deployment;
      const rearmed = await s.deployments.rerun(d.name, machine.name);
      await s.history.rearmed(
        { machineId: machine.id, machineName: machine.name, deploymentId: d.id, deploymentName: d.name, image: d.image, startedAt: at },
        `re-armed by castpoint-agent refresh from ${req.ip}${rearmed === 0 ? ' (it was pending already)' : ''}: the next network boot deploys image ${d.image}`,
      );
      req.log.info({ machine: machine.name, deployment: d.name, rearmed }, 'refresh: deployment re-armed');
      return { machine: machine.name, deployment: d.name, image: d.image, rearmed };
    },
  );
}
