// Deployments, their rerun, the history, and what a machine would be told now (issue 24), admin
// token. Registered by fleet-routes.ts inside its scope (same store, same error statuses).
import type { FastifyInstance } from 'fastify';
import { parseDiskSelector } from '@castpoint/chunking';
import { decide, type Decision } from '../deployments/decide';
import { DeployError } from '../deployments/errors';
import { checkCaptureNamePattern, DEFAULT_CAPTURE_NAME } from '../deployments/capture-name';
import type { AfterAction, Deployment, DeploymentKind, HistoryEntry, Purpose } from '../deployments/model';
import type { DpStore } from '../store/dp-store';
import { formatHistoryCursor, parseHistoryCursor } from '../store/history-cursor';
import type { requireRole } from './auth';
import type { DpContext } from './context';
import { addDeploymentBody, decisionRecord, deploymentRecord, historyQuery, historyRecord, rerunBody } from './deployment-schemas';
import { fleetNameParams } from './fleet-schemas';
import { errorReply } from './schemas';

/** The response header carrying a paged listing's next cursor. */
export const NEXT_CURSOR_HEADER = 'x-next-cursor';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };

interface AddDeployment {
  name: string;
  kind?: DeploymentKind;
  image?: string;
  collection: string;
  purpose?: Purpose;
  disk?: string;
  after?: AfterAction;
  script?: string;
  notBefore?: string;
  deadline?: string;
  variables?: Record<string, string>;
}

function deploymentJson(d: Deployment): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    image: d.image,
    collection: d.collectionName,
    purpose: d.purpose,
    disk: d.disk,
    after: d.after,
    script: d.script,
    notBefore: d.notBefore?.toISOString() ?? null,
    deadline: d.deadline?.toISOString() ?? null,
    variables: d.variables,
    createdAt: d.createdAt.toISOString(),
  };
}

function historyJson(h: HistoryEntry): Record<string, unknown> {
  return { id: h.id, machine: h.machineName, deployment: h.deploymentName, image: h.image, startedAt: h.startedAt.toISOString(), endedAt: h.endedAt?.toISOString() ?? null, bytes: h.bytes, transport: h.transport, repairedSymbols: h.repairedSymbols, exitCode: h.exitCode, result: h.result, message: h.message };
}

function decisionJson(d: Decision): Record<string, unknown> {
  return d.action === 'wait' ? { ...d, until: d.until.toISOString() } : { ...d };
}

function time(field: string, text: string | undefined): Date | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new DeployError('DP_BAD_DEPLOYMENT', `${field}: "${text}" is not an ISO 8601 time`, { field });
  return new Date(ms);
}

/** deploy: the image, which must exist; capture: the new image's name pattern, checked (no script: nothing is deployed). */
function imageOf(kind: DeploymentKind, b: AddDeployment, ctx: DpContext): string {
  if (kind === 'deploy') {
    if (b.image === undefined) throw new DeployError('DP_BAD_DEPLOYMENT', 'image: a deploy deployment needs the image it writes', { field: 'image' });
    ctx.catalog.get(b.image);
    return b.image;
  }
  if (b.script !== undefined) throw new DeployError('DP_BAD_DEPLOYMENT', 'script: a capture deployment runs no post-deploy script (nothing is deployed)', { field: 'script' });
  const pattern = b.image ?? DEFAULT_CAPTURE_NAME;
  const bad = checkCaptureNamePattern(pattern, b.name);
  if (bad !== undefined) throw new DeployError('DP_BAD_DEPLOYMENT', bad, { field: 'image' });
  return pattern;
}

export function deploymentRoutes(scope: FastifyInstance, ctx: DpContext, store: () => Promise<DpStore>, now: () => number, admin: ReturnType<typeof requireRole>): void {
  const security = [{ bearer: [] }];
  const onRequest = admin;

  scope.get('/api/v1/deployments', { onRequest, schema: { tags: ['deployments'], security, response: { 200: { type: 'array', items: deploymentRecord }, ...errors } } }, async () =>
    (await (await store()).deployments.list()).map(deploymentJson),
  );

  scope.post<{ Body: AddDeployment }>(
    '/api/v1/deployments',
    { onRequest, schema: { tags: ['deployments'], security, body: addDeploymentBody, response: { 201: deploymentRecord, ...errors } } },
    async (req, reply) => {
      const b = req.body;
      // The image must exist now (DP_IMAGE_NOT_FOUND, 404); the selector and script are checked
      // here so a deployment that could never run is refused when it is made, not on every machine.
      const kind = b.kind ?? 'deploy';
      const image = imageOf(kind, b, ctx);
      const disk = b.disk ?? 'first-fixed';
      const parsed = parseDiskSelector(disk);
      if ('error' in parsed) throw new DeployError('DP_BAD_DEPLOYMENT', parsed.error, { field: 'disk' });
      if (b.script !== undefined && !/^https?:\/\/\S+$/.test(b.script)) throw new DeployError('DP_BAD_DEPLOYMENT', `script: "${b.script}" is not an http(s) URL`, { field: 'script' });
      const d = await (await store()).deployments.add(
        {
          name: b.name,
          kind,
          image,
          collection: b.collection,
          ...(b.purpose !== undefined ? { purpose: b.purpose } : {}),
          disk,
          ...(b.after !== undefined ? { after: b.after } : {}),
          script: b.script ?? null,
          notBefore: time('notBefore', b.notBefore),
          deadline: time('deadline', b.deadline),
          variables: b.variables ?? {},
        },
        new Date(now()),
      );
      req.log.info({ deployment: d.name, kind: d.kind, image: d.image, collection: d.collectionName, purpose: d.purpose }, 'deployment added');
      return reply.code(201).send(deploymentJson(d));
    },
  );

  scope.get<{ Params: { name: string } }>(
    '/api/v1/deployments/:name',
    { onRequest, schema: { tags: ['deployments'], security, params: fleetNameParams, response: { 200: deploymentRecord, ...errors } } },
    async (req) => deploymentJson(await (await store()).deployments.get(req.params.name)),
  );

  scope.delete<{ Params: { name: string } }>(
    '/api/v1/deployments/:name',
    { onRequest, schema: { tags: ['deployments'], security, params: fleetNameParams, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await (await store()).deployments.remove(req.params.name);
      return reply.code(204).send();
    },
  );

  scope.post<{ Params: { name: string }; Body: { machine?: string } | null }>(
    '/api/v1/deployments/:name/rerun',
    { onRequest, schema: { tags: ['deployments'], security, params: fleetNameParams, body: rerunBody, response: { 200: { type: 'object', properties: { rearmed: { type: 'integer' } } }, ...errors } } },
    async (req) => ({ rearmed: await (await store()).deployments.rerun(req.params.name, req.body?.machine) }),
  );

  // The body stays the array it always was; the next page's cursor travels in X-Next-Cursor
  // (absent on the last page), so readers of the first page need no change.
  scope.get<{ Querystring: { machine?: string; deployment?: string; since?: string; limit?: number; after?: string } }>(
    '/api/v1/machine-history',
    {
      onRequest,
      schema: {
        tags: ['deployments'],
        security,
        description: 'Newest first, one page (limit); the X-Next-Cursor response header, when present, is the `after` of the next page.',
        querystring: historyQuery,
        response: { 200: { type: 'array', items: historyRecord }, ...errors },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const since = time('since', q.since);
      const after = q.after !== undefined ? parseHistoryCursor(q.after) : undefined;
      const page = await (await store()).history.page({ ...(q.machine ? { machine: q.machine } : {}), ...(q.deployment ? { deployment: q.deployment } : {}), ...(since ? { since } : {}), ...(q.limit ? { limit: q.limit } : {}), ...(after ? { after } : {}) });
      if (page.next) void reply.header(NEXT_CURSOR_HEADER, formatHistoryCursor(page.next));
      return page.entries.map(historyJson);
    },
  );

  // What the machine would be told if it asked now: how an operator sees a conflict or a wait.
  scope.get<{ Params: { name: string } }>(
    '/api/v1/machines/:name/decision',
    { onRequest, schema: { tags: ['machines'], security, params: fleetNameParams, response: { 200: decisionRecord, ...errors } } },
    async (req) => {
      const s = await store();
      const m = await s.machines.get(req.params.name);
      return decisionJson(decide(m, await s.deployments.targetedFor(m.id), new Date(now())));
    },
  );
}
