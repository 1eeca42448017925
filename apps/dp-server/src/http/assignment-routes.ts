// The agent's side of issue 24, client token: "what do I do" (the machine registers or is matched
// by MAC, then decide()) and "how did it go" (history, and a required deployment marked done).
// The agent's `run` command (client-agent flow/run.ts) calls these.
import type { FastifyInstance } from 'fastify';
import { decide } from '../deployments/decide';
import { DeployError } from '../deployments/errors';
import { DpError } from '../errors';
import type { DpStore } from '../store/dp-store';
import { assertBootMachine, type requireToken } from './auth';
import { captureAnswer, type AssignmentImages } from './capture-assignment';
import { decisionRecord } from './deployment-schemas';
import { IMAGE_NAME_RE } from '../images/names';
import { errorReply } from './schemas';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
/** What an agent says about itself: MACs first (matched as recordSeen matches), SMBIOS facts. */
export const identity = {
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
    image: { type: 'string', pattern: IMAGE_NAME_RE.source, description: 'capture deployments: the image the capture made (the deployment holds its name pattern)' },
    result: { type: 'string', enum: ['ok', 'failed', 'refused'], description: 'refused: nothing was written (no disk matched, image unknown)' },
    startedAt: { ...text(40), description: "The agent's clock at the start; with durationMs the DP dates the attempt by its own clock" },
    durationMs: { type: 'integer', minimum: 0, maximum: 30 * 24 * 3600 * 1000 },
    exitCode: { type: 'integer', minimum: 0, maximum: 255 },
    message: { type: 'string', maxLength: 8192 },
    bytes: { type: 'integer', minimum: 0 },
    transport: { type: 'string', enum: ['multicast', 'unicast'] },
    repairedSymbols: { type: 'integer', minimum: 0 },
  },
} as const;

export interface Identity {
  macs: string[];
  uuid?: string;
  serial?: string;
  vendor?: string;
  model?: string;
}

interface Report {
  macs: string[];
  deployment: string;
  image?: string;
  result: 'ok' | 'failed' | 'refused';
  startedAt: string;
  durationMs?: number;
  exitCode?: number;
  message?: string;
  bytes?: number;
  transport?: 'multicast' | 'unicast';
  repairedSymbols?: number;
}

/**
 * `images.bytes(name)` is the image's size, or throws DP_IMAGE_NOT_FOUND: a deploy answer carries
 * it (the agent's `first-fixed` skips disks too small), and a deployment whose image is gone is
 * refused here, in the history, rather than on the agent's session request. A capture answer
 * carries the new image's name and its grant (capture-assignment.ts).
 */
export function assignmentRoutes(scope: FastifyInstance, store: () => Promise<DpStore>, now: () => number, client: ReturnType<typeof requireToken>, images: AssignmentImages): void {
  const security = [{ bearer: [] }];

  scope.post<{ Body: Identity & { choose?: string } }>(
    '/api/v1/agent/assignment',
    { onRequest: client, schema: { tags: ['agent'], security, body: assignmentBody, response: { 200: { ...decisionRecord, properties: { ...decisionRecord.properties, machine: { type: ['string', 'null'] } } }, ...errors } } },
    async (req) => {
      const s = await store();
      const at = new Date(now());
      const { choose, ...id } = req.body;
      assertBootMachine(req, id.macs);
      const seen = await s.assignment.forAgent({ ...id, ip: req.ip }, at);
      if (!seen.machine) {
        // MACs of two machines: never merged, never deployed until the operator sorts it out.
        const ids = seen.match.kind === 'conflict' ? seen.match.machineIds : [];
        const names = await Promise.all(ids.map(async (i) => (await s.machines.get(i)).name));
        req.log.warn({ macs: id.macs, machines: names }, 'agent reports MACs of several machines');
        return { action: 'conflict', machine: null, deployments: [], reason: `the MACs ${id.macs.join(', ')} belong to machines ${names.join(', ')}: an operator must remove or merge them` };
      }
      const d = decide(seen.machine, seen.targeted, at, choose);
      req.log.info({ machine: seen.machine.name, action: d.action, ...(d.action === 'deploy' || d.action === 'capture' ? { deployment: d.deployment } : {}) }, 'assignment');
      // A boot token's own MAC, else the first the agent names: the grant is that machine's.
      if (d.action === 'capture') return captureAnswer(s, seen.machine, d, at, req.bootMac ?? id.macs[0] ?? '', images);
      if (d.action === 'deploy') {
        let size: number;
        try {
          size = images.bytes(d.image);
        } catch (err) {
          if (!(err instanceof DpError && err.code === 'DP_IMAGE_NOT_FOUND')) throw err;
          const dep = await s.deployments.get(d.deployment);
          const why = `image ${d.image} of deployment ${d.deployment} is not on the DP (removed since the deployment was made)`;
          await s.history.refused({ machineId: seen.machine.id, machineName: seen.machine.name, deploymentId: dep.id, deploymentName: dep.name, image: dep.image, startedAt: at }, why);
          throw new DpError('DP_IMAGE_NOT_FOUND', why, { name: d.image });
        }
        return { machine: seen.machine.name, ...d, imageBytes: size };
      }
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
      const reported = new Date(Date.parse(b.startedAt));
      if (!Number.isFinite(reported.getTime())) throw new DeployError('DP_BAD_DEPLOYMENT', `startedAt: "${b.startedAt}" is not an ISO 8601 time`, { field: 'startedAt' });
      const endedAt = new Date(now());
      // A boot environment's clock may be anything: with the duration, the DP's clock dates both ends.
      const startedAt = b.durationMs === undefined ? reported : new Date(endedAt.getTime() - b.durationMs);
      const seen = await s.machines.recordSeen({ macs: b.macs, ip: req.ip }, endedAt);
      if (!seen.machine) throw new DeployError('DP_MACHINE_NOT_FOUND', `the MACs ${b.macs.join(', ')} do not name one machine`, { macs: b.macs });
      const dep = await s.deployments.get(b.deployment);
      // A capture deployment holds a name pattern: the history names the image the capture made.
      const image = dep.kind === 'capture' ? (b.image ?? null) : dep.image;
      const attempt = { machineId: seen.machine.id, machineName: seen.machine.name, deploymentId: dep.id, deploymentName: dep.name, image, startedAt };
      if (b.result === 'refused') {
        // Nothing was written (no disk matched, the image was unknown): a refused row, not an attempt.
        await s.history.refused(attempt, b.message ?? '', b.exitCode ?? null);
        return reply.code(204).send();
      }
      const id = await s.history.start(attempt);
      await s.history.finish(id, {
        endedAt,
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
