// The agent's side of issue 24, client token: "what do I do" (the machine registers or is matched
// by MAC, then decide()) and "how did it go" (history, and a required deployment marked done).
// The agent's `run` command that calls these is not written yet (docs/deployments.md).
import type { FastifyInstance } from 'fastify';
import { decide } from '../deployments/decide';
import { DeployError } from '../deployments/errors';
import type { DpStore } from '../store/dp-store';
import { assertBootMachine, type requireToken } from './auth';
import { decisionRecord } from './deployment-schemas';
import { errorReply } from './schemas';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const identity = {
  macs: { type: 'array', items: { type: 'string', minLength: 12, maxLength: 17 }, minItems: 1, maxItems: 64 },
  uuid: text(64),
  serial: text(128),
  vendor: text(128),
  model: text(128),
} as const;

const assignmentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['macs'],
  properties: { ...identity, choose: { ...text(63), description: 'An available deployment picked at the machine' } },
} as const;

const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['macs', 'deployment', 'result', 'startedAt'],
  properties: {
    macs: identity.macs,
    deployment: text(63),
    result: { type: 'string', enum: ['ok', 'failed'] },
    startedAt: text(40),
    exitCode: { type: 'integer', minimum: 0, maximum: 255 },
    message: { type: 'string', maxLength: 8192 },
    bytes: { type: 'integer', minimum: 0 },
    transport: { type: 'string', enum: ['multicast', 'unicast'] },
    repairedSymbols: { type: 'integer', minimum: 0 },
  },
} as const;

interface Identity {
  macs: string[];
  uuid?: string;
  serial?: string;
  vendor?: string;
  model?: string;
}

interface Report {
  macs: string[];
  deployment: string;
  result: 'ok' | 'failed';
  startedAt: string;
  exitCode?: number;
  message?: string;
  bytes?: number;
  transport?: 'multicast' | 'unicast';
  repairedSymbols?: number;
}

export function assignmentRoutes(scope: FastifyInstance, store: () => Promise<DpStore>, now: () => number, client: ReturnType<typeof requireToken>): void {
  const security = [{ bearer: [] }];

  scope.post<{ Body: Identity & { choose?: string } }>(
    '/api/v1/agent/assignment',
    { onRequest: client, schema: { tags: ['agent'], security, body: assignmentBody, response: { 200: { ...decisionRecord, properties: { ...decisionRecord.properties, machine: { type: ['string', 'null'] } } }, ...errors } } },
    async (req) => {
      const s = await store();
      const at = new Date(now());
      const { choose, ...id } = req.body;
      assertBootMachine(req, id.macs);
      const seen = await s.machines.recordSeen({ ...id, ip: req.ip }, at);
      if (!seen.machine) {
        // MACs of two machines: never merged, never deployed until the operator sorts it out.
        const ids = seen.match.kind === 'conflict' ? seen.match.machineIds : [];
        const names = await Promise.all(ids.map(async (i) => (await s.machines.get(i)).name));
        req.log.warn({ macs: id.macs, machines: names }, 'agent reports MACs of several machines');
        return { action: 'conflict', machine: null, deployments: [], reason: `the MACs ${id.macs.join(', ')} belong to machines ${names.join(', ')}: an operator must remove or merge them` };
      }
      const d = decide(seen.machine, await s.deployments.targetedFor(seen.machine.id), at, choose);
      req.log.info({ machine: seen.machine.name, action: d.action, ...(d.action === 'deploy' ? { deployment: d.deployment } : {}) }, 'assignment');
      return { machine: seen.machine.name, ...(d.action === 'wait' ? { ...d, until: d.until.toISOString() } : d) };
    },
  );

  scope.post<{ Body: Report }>(
    '/api/v1/agent/assignment/report',
    { onRequest: client, schema: { tags: ['agent'], security, body: reportBody, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const s = await store();
      const b = req.body;
      assertBootMachine(req, b.macs);
      const startedAt = new Date(Date.parse(b.startedAt));
      if (!Number.isFinite(startedAt.getTime())) throw new DeployError('DP_BAD_DEPLOYMENT', `startedAt: "${b.startedAt}" is not an ISO 8601 time`, { field: 'startedAt' });
      const seen = await s.machines.recordSeen({ macs: b.macs, ip: req.ip }, new Date(now()));
      if (!seen.machine) throw new DeployError('DP_MACHINE_NOT_FOUND', `the MACs ${b.macs.join(', ')} do not name one machine`, { macs: b.macs });
      const dep = await s.deployments.get(b.deployment);
      const id = await s.history.start({ machineId: seen.machine.id, machineName: seen.machine.name, deploymentId: dep.id, deploymentName: dep.name, image: dep.image, startedAt });
      await s.history.finish(id, {
        endedAt: new Date(now()),
        result: b.result,
        message: b.message ?? '',
        exitCode: b.exitCode ?? null,
        bytes: b.bytes ?? null,
        transport: b.transport ?? null,
        repairedSymbols: b.repairedSymbols ?? null,
      });
      // Only a success uses up a required deployment; a failure is asked again on the next boot.
      if (b.result === 'ok' && dep.purpose === 'required') await s.deployments.markDone(dep.id, seen.machine.id, new Date(now()));
      return reply.code(204).send();
    },
  );
}
