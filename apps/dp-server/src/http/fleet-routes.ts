// Machines and collections (issue 24), admin token. The SQL store opens on first use, so a DP that
// never manages machines never pays for it (PGlite's first start runs its initdb).
import type { FastifyInstance } from 'fastify';
import { parseMachineCsv } from '../deployments/csv-import';
import type { Collection, Machine, MachineState } from '../deployments/model';
import { formatRule, parseRule } from '../deployments/rules';
import type { DpStore } from '../store/dp-store';
import { bootTokenKey } from '../boot/boot-token';
import { captureGrantKey, issueCaptureGrant } from '../security/capture-grant';
import { bootTokenCheck, requireRole, requireToken } from './auth';
import { assignmentRoutes } from './assignment-routes';
import { deploymentRoutes } from './deployment-routes';
import { refreshRoute } from './refresh-route';
import type { DpContext } from './context';
import { errorReply } from './schemas';
import {
  addCollectionBody,
  addMachineBody,
  collectionRecord,
  fleetNameParams,
  importMachinesBody,
  importReport,
  machineListQuery,
  machinePage,
  machineRecord,
  memberParams,
  patchMachineBody,
} from './fleet-schemas';
import { importEach, IMPORT_BODY_LIMIT } from './machine-import';

const errors = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply };

export function machineJson(m: Machine): Record<string, unknown> {
  return { ...m, firstSeen: m.firstSeen?.toISOString() ?? null, lastSeen: m.lastSeen?.toISOString() ?? null, createdAt: m.createdAt.toISOString() };
}

async function collectionJson(store: DpStore, c: Collection): Promise<Record<string, unknown>> {
  const members: string[] = [];
  for (const id of c.members) members.push((await store.machines.get(id)).name);
  return { id: c.id, name: c.name, rules: c.rules.map(formatRule), members: members.sort(), createdAt: c.createdAt.toISOString() };
}

export async function fleetRoutes(app: FastifyInstance, ctx: DpContext, store: () => Promise<DpStore>, now: () => number): Promise<void> {
  // Each route's role is in the route table (route-roles.ts).
  const admin = requireRole(() => ctx.access.get());
  const security = [{ bearer: [] }];
  const at = () => new Date(now());

  await app.register(async (scope) => {
    scope.get<{ Querystring: { after?: number; limit?: number; state?: MachineState } }>(
      '/api/v1/machines',
      { onRequest: admin, schema: { tags: ['machines'], security, querystring: machineListQuery, response: { 200: machinePage, ...errors } } },
      async (req) => {
        const q = req.query;
        const page = await (await store()).machines.list({ ...(q.after !== undefined ? { after: q.after } : {}), ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.state !== undefined ? { state: q.state } : {}) });
        return { machines: page.machines.map(machineJson), next: page.next };
      },
    );

    scope.post<{ Body: { name: string; macs: string[]; uuid?: string } }>(
      '/api/v1/machines',
      { onRequest: admin, schema: { tags: ['machines'], security, body: addMachineBody, response: { 201: machineRecord, ...errors } } },
      async (req, reply) => {
        const m = await (await store()).machines.add({ name: req.body.name, macs: req.body.macs, uuid: req.body.uuid ?? null }, at());
        req.log.info({ machine: m.name, macs: m.macs }, 'machine added');
        return reply.code(201).send(machineJson(m));
      },
    );

    scope.post<{ Body: { csv: string; partial?: boolean } }>(
      '/api/v1/machines/import',
      {
        onRequest: admin,
        // A file of thousands of machines is larger than the DP's 64 KiB default body (413 beyond about
        // 2,000 lines of name,mac, 1,000 with UUIDs).
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: { tags: ['machines'], security, body: importMachinesBody, response: { 200: importReport, 201: { type: 'object', properties: { imported: { type: 'integer' }, machines: { type: 'array', items: machineRecord } } }, ...errors } },
      },
      async (req, reply) => {
        if (req.body.partial === true) {
          const r = await importEach(await store(), req.body.csv, at());
          req.log.info({ imported: r.imported, refused: r.refused.length }, 'machines imported (partial)');
          return reply.code(200).send({ ...r, machines: r.machines.map(machineJson) });
        }
        const rows = parseMachineCsv(req.body.csv);
        const added = await (await store()).machines.importAll(rows.map((r) => ({ name: r.name, macs: [r.mac], uuid: r.uuid })), at());
        req.log.info({ imported: added.length }, 'machines imported');
        return reply.code(201).send({ imported: added.length, machines: added.map(machineJson) });
      },
    );

    scope.patch<{ Params: { name: string }; Body: { name?: string; state?: 'known' } }>(
      '/api/v1/machines/:name',
      {
        onRequest: admin,
        schema: {
          tags: ['machines'],
          security,
          description: 'Rename a machine and/or approve one that registered itself (`unknown` -> `known`); naming a machine approves it. Its history follows the new name. A name in use is 409 naming its owner.',
          params: fleetNameParams,
          body: patchMachineBody,
          response: { 200: machineRecord, ...errors },
        },
      },
      async (req) => {
        const machines = (await store()).machines;
        const m = req.body.name !== undefined ? await machines.rename(req.params.name, req.body.name) : await machines.approve(req.params.name);
        req.log.info({ machine: req.params.name, name: m.name, state: m.state }, 'machine changed');
        return machineJson(m);
      },
    );

    scope.get<{ Params: { name: string } }>(
      '/api/v1/machines/:name',
      { onRequest: admin, schema: { tags: ['machines'], security, params: fleetNameParams, response: { 200: machineRecord, ...errors } } },
      async (req) => machineJson(await (await store()).machines.get(req.params.name)),
    );

    scope.delete<{ Params: { name: string } }>(
      '/api/v1/machines/:name',
      { onRequest: admin, schema: { tags: ['machines'], security, params: fleetNameParams, response: { 204: { type: 'null' }, ...errors } } },
      async (req, reply) => {
        await (await store()).machines.remove(req.params.name);
        return reply.code(204).send();
      },
    );

    scope.get('/api/v1/collections', { onRequest: admin, schema: { tags: ['collections'], security, response: { 200: { type: 'array', items: collectionRecord }, ...errors } } }, async () => {
      const s = await store();
      const out = [];
      for (const c of await s.collections.list()) out.push(await collectionJson(s, c));
      return out;
    });

    scope.post<{ Body: { name: string; rules?: string[] } }>(
      '/api/v1/collections',
      { onRequest: admin, schema: { tags: ['collections'], security, body: addCollectionBody, response: { 201: collectionRecord, ...errors } } },
      async (req, reply) => {
        // Parsed before anything is written: one bad rule refuses the collection with its reason.
        const rules = (req.body.rules ?? []).map(parseRule);
        const s = await store();
        return reply.code(201).send(await collectionJson(s, await s.collections.add(req.body.name, rules, at())));
      },
    );

    scope.get<{ Params: { name: string } }>(
      '/api/v1/collections/:name',
      { onRequest: admin, schema: { tags: ['collections'], security, params: fleetNameParams, response: { 200: collectionRecord, ...errors } } },
      async (req) => {
        const s = await store();
        return collectionJson(s, await s.collections.get(req.params.name));
      },
    );

    scope.delete<{ Params: { name: string } }>(
      '/api/v1/collections/:name',
      { onRequest: admin, schema: { tags: ['collections'], security, params: fleetNameParams, response: { 204: { type: 'null' }, ...errors } } },
      async (req, reply) => {
        await (await store()).collections.remove(req.params.name);
        return reply.code(204).send();
      },
    );

    scope.put<{ Params: { name: string; machine: string } }>(
      '/api/v1/collections/:name/members/:machine',
      { onRequest: admin, schema: { tags: ['collections'], security, params: memberParams, response: { 200: collectionRecord, ...errors } } },
      async (req) => {
        const s = await store();
        return collectionJson(s, await s.collections.addMember(req.params.name, req.params.machine));
      },
    );

    scope.delete<{ Params: { name: string; machine: string } }>(
      '/api/v1/collections/:name/members/:machine',
      { onRequest: admin, schema: { tags: ['collections'], security, params: memberParams, response: { 200: collectionRecord, ...errors } } },
      async (req) => {
        const s = await store();
        return collectionJson(s, await s.collections.removeMember(req.params.name, req.params.machine));
      },
    );

    deploymentRoutes(scope, ctx, store, now, admin);
    // A boot token acts for its machine in assignment and report; refresh runs on an installed system (client token only).
    assignmentRoutes(scope, store, now, requireToken('client', () => ctx.store.state.tokens, false, bootTokenCheck(ctx, now, bootTokenKey)), {
      bytes: (name) => ctx.catalog.get(name).size,
      exists: (name) => ctx.catalog.list().some((i) => i.name === name),
      grant: (mac, image) => issueCaptureGrant(captureGrantKey(ctx.store.state.tokens.admin), mac, image, now()),
    });
    refreshRoute(scope, store, now, requireToken('client', () => ctx.store.state.tokens));
  });
}

/** Opens the store once, on the first call; a failed open is retried on the next call. */
export function lazyStore(open: () => Promise<DpStore>): { get: () => Promise<DpStore>; close: () => Promise<void> } {
  let opening: Promise<DpStore> | undefined;
  return {
    get() {
      opening ??= open().catch((err: unknown) => {
        opening = undefined;
        throw err;
      });
      return opening;
    },
    async close() {
      const o = opening;
      opening = undefined;
      if (o) await (await o.catch(() => undefined))?.close();
    },
  };
}
