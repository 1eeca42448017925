// buildApp: the whole DP as one fastify instance. Tests drive it with app.inject(); `serve`
// listens with it. Nothing here is module state: two apps in one process never share anything.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { isCastpointError, type DpSigningKey } from '@castpoint/wire';
import type { ServeSettings } from '../config/settings';
import { openDashboardState, type DashboardState } from '../dashboard/persisted-state';
import { recordAgentRefusals } from '../dashboard/refusals';
import { dashboardRoutes, sampleRates } from '../dashboard/routes';
import { DP_ERROR_STATUS } from '../errors';
import { ImageCatalog } from '../images/catalog';
import { ImageRoots } from '../images/roots';
import type { ImageImporter } from '../images/importer';
import { AccessTokenSet, loadRoleTokens } from '../security/role-tokens';
import { loadTls, type TlsMaterial } from '../security/tls-files';
import { loadOrCreateSigningKey } from '../security/signing-key-file';
import { SessionManager, type SessionManagerOptions } from '../sessions/manager';
import type { SessionRunnerFactory } from '../sessions/runner';
import { StateStore, type StoreDisk } from '../state/store';
import type { StoreLocation } from '../store/open';
import type { DpStore } from '../store/dp-store';
import { BootRuntime } from '../boot/boot-runtime';
import { bootRoutes } from '../boot/boot-routes';
import type { BootFiles } from '../boot/boot-files';
import { adminRoutes } from './admin-routes';
import { captureRoutes } from './capture-routes';
import { registerAgentApi } from './agent-rate-limit';
import { requireRole } from './auth';
import { DpLogController } from './request-log';
import type { DpContext } from './context';
import { healthRoutes } from './health-routes';
import { fleetRoutes } from './fleet-routes';
import { metricsRoutes } from './metrics';
import { DOCS_LOGO, findSwaggerUiStatic } from './swagger-assets';
import { strictBodyValidators } from './validation';
import { validationMessage } from './validation-messages';

export interface BuildAppOptions {
  readonly settings: ServeSettings;
  /** Builds manifests and checks files (libs/chunking in production). */
  readonly importer: ImageImporter;
  /** Runs sessions (libs/repair + transport + wire in production). */
  readonly runnerFactory: SessionRunnerFactory;
  /** Wall clock, ms. @default Date.now */
  readonly now?: () => number;
  /** fastify/pino logger option (ignored when `loggerInstance` is given). @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /** A ready pino logger (the serve command's, writing JSON to stdout). */
  readonly loggerInstance?: FastifyBaseLogger;
  /** Run the once-a-second tick (scheduled starts, throughput, saves). Tests call `tick` themselves. @default true */
  readonly timers?: boolean;
  /** Largest request body, bytes. @default 65536 */
  readonly bodyLimit?: number;
  /** Bytes of image data per packet (SessionManagerOptions.symbolSize). @default settings.symbolSize */
  readonly symbolSize?: SessionManagerOptions['symbolSize'];
  /** MTU of the multicast interface (serve reads it from the interface). @default 1500 */
  readonly linkMtu?: number;
  /** Source symbols per block. @default 64 */
  readonly blockSymbols?: number;
  /** See SessionManagerOptions.longPollMs. @default 2000 */
  readonly longPollMs?: number;
  /** Timers of held agent requests (SessionManagerOptions.clock). @default realClock() */
  readonly clock?: SessionManagerOptions['clock'];
  /** How the state store writes files and saves (tests inject a failing one). @default atomic node:fs writes */
  readonly storeWriter?: StoreDisk;
  /** Where the DP's state, machines, collections and deployments live. @default settings.databaseUrl, else PGlite in DATA_DIR/db */
  readonly database?: StoreLocation;
  /** The boot service's iPXE files (tests give them in memory). @default read from settings.boot.ipxeDir */
  readonly bootFiles?: BootFiles;
}

export type DpApp = FastifyInstance & { readonly dp: DpContext };

export async function buildApp(opts: BuildAppOptions): Promise<DpApp> {
  const now = opts.now ?? Date.now;
  const database = opts.database ?? (opts.settings.databaseUrl !== undefined ? { kind: 'postgres' as const, url: opts.settings.databaseUrl } : undefined);
  const { store, generated } = await StateStore.open(
    opts.settings.dataDir,
    {
      ...(opts.settings.adminToken !== undefined ? { admin: opts.settings.adminToken } : {}),
      ...(opts.settings.clientToken !== undefined ? { client: opts.settings.clientToken } : {}),
    },
    { now, ...(opts.storeWriter ? { writer: opts.storeWriter } : {}), ...(database ? { database } : {}) },
  );
  let tls: TlsMaterial | undefined;
  try {
    tls = await loadTls(opts.settings, store.dataDir, opts.settings.listen.host, now());
  } catch (err) {
    await store.close();
    throw err;
  }
  // Fastify types an HTTPS instance apart from an HTTP one; every route here works on either.
  const makeFastify = Fastify as unknown as (o: FastifyServerOptions & { https?: { cert: string; key: string } }) => FastifyInstance;
  const app = makeFastify({
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // Agents' progress posts log at debug, not two info lines each (request-log.ts).
    logController: new DpLogController(),
    bodyLimit: opts.bodyLimit ?? 65_536,
    // A stop must not wait for slow or held requests (a slowloris, a long poll, a download): the
    // state is saved before the listener closes (preClose), then every connection is closed.
    forceCloseConnections: true,
    // Unknown body fields are an error (additionalProperties: false), never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: strictBodyValidators() } },
  });
  let roots: ImageRoots;
  // Loaded while the data dir is locked by the store; a bad key file stops the start (like state.json).
  let signingKey: DpSigningKey;
  let access: AccessTokenSet;
  let roleGenerated: ReturnType<typeof loadRoleTokens>['generated'];
  let boot: BootRuntime | undefined;
  let dashboard: DashboardState;
  // The machines/collections/deployments store is the state's own SQL store, open since StateStore.open.
  const sqlStore = (): Promise<DpStore> => Promise.resolve(store.sql);
  try {
    roots = ImageRoots.prepare(opts.settings.imageRoots, opts.settings.dataDir);
    signingKey = loadOrCreateSigningKey(store.dataDir);
    const roles = loadRoleTokens(store.dataDir, {
      ...(opts.settings.operatorToken !== undefined ? { operator: opts.settings.operatorToken } : {}),
      ...(opts.settings.viewerToken !== undefined ? { viewer: opts.settings.viewerToken } : {}),
      ...(opts.settings.captureToken !== undefined ? { capture: opts.settings.captureToken } : {}),
    });
    roleGenerated = roles.generated;
    access = new AccessTokenSet(() => store.state.tokens, roles.tokens);
    // The iPXE files are read now: a DP started with --boot and no ipxe package stops here.
    boot = opts.settings.boot ? new BootRuntime(opts.settings.boot, sqlStore, opts.bootFiles) : undefined;
    // Refused requests and rate samples the store kept: a restart keeps them on the dashboard.
    dashboard = await openDashboardState(store.sql.operatorLog, app.log);
  } catch (err) {
    await store.close();
    throw err;
  }
  const catalog = new ImageCatalog(store, opts.importer, now, roots, opts.settings.compressLevel);
  for (const img of catalog.outsideRoots()) {
    app.log.warn({ image: img.name, file: img.file, imageRoots: roots.paths }, 'image not served: its file is outside the image roots (add its directory with --image-root, or remove the image)');
  }
  const sessions = new SessionManager({
    store,
    catalog,
    runnerFactory: opts.runnerFactory,
    now,
    groupRange: opts.settings.groupRange,
    portRange: opts.settings.portRange,
    mcastInterface: opts.settings.mcastInterface,
    maxRateBps: opts.settings.maxRateBps,
    startRate: opts.settings.startRate,
    maxClients: opts.settings.maxClients,
    ttl: opts.settings.ttl,
    symbolSize: opts.symbolSize ?? opts.settings.symbolSize,
    ...(opts.linkMtu !== undefined ? { linkMtu: opts.linkMtu } : {}),
    ...(opts.blockSymbols !== undefined ? { blockSymbols: opts.blockSymbols } : {}),
    longPollMs: opts.longPollMs ?? 2000,
    ...(opts.clock ? { clock: opts.clock } : {}),
    signingKey,
    log: app.log,
  });
  const ctx: DpContext = {
    settings: opts.settings,
    store,
    catalog,
    sessions,
    generatedTokens: { ...generated, ...roleGenerated },
    access,
    tls,
    dashboard,
    ...(boot ? { boot } : {}),
  };
  app.decorate('dp', ctx);
  store.onHealthChange = (h) => {
    if (h.ok) app.log.warn({ path: store.path }, 'the state is saved again: new sessions and imports are accepted');
    else app.log.error({ path: store.path, code: h.code, err: h.error }, 'cannot save the state: running sessions go on, new sessions and imports are refused (507) until it can; retrying');
    sessions.emit('change');
  };

  app.setErrorHandler((err, req, reply) => {
    if (isCastpointError(err)) {
      const status = (DP_ERROR_STATUS as Record<string, number | undefined>)[err.code] ?? 422;
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: err.code, message: err.message });
    }
    const e = err as { validation?: unknown; validationContext?: string; statusCode?: number; code?: string; message: string };
    if (e.validation) return reply.code(400).send({ error: 'BAD_REQUEST', message: validationMessage(e) });
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: e.code ?? 'BAD_REQUEST', message: e.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error (see the DP log)' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` }));

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'castpoint distribution point', version: '1', description: 'Admin, agent and dashboard API of castpoint-dp; see docs/dp-server.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'admin token or client token' } } },
    },
  });
  const baseDir = findSwaggerUiStatic();
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', logo: DOCS_LOGO, ...(baseDir ? { baseDir } : {}) });

  recordAgentRefusals(app, ctx.dashboard.refusals, now, () => ctx.sessions.emit('change'));
  adminRoutes(app, ctx, now);
  await registerAgentApi(app, ctx, now, boot ? (scope) => bootRoutes(scope, boot, sqlStore, now, () => store.state.tokens.admin, tls?.fingerprint) : undefined);
  healthRoutes(app, ctx);
  metricsRoutes(app, ctx);
  // The DP's one SQL store, opened with the state at start: machines, collections, deployments.
  await fleetRoutes(app, ctx, sqlStore, now);
  await captureRoutes(app, ctx, now);
  dashboardRoutes(app, ctx, requireRole(() => ctx.access.get()));

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await sessions.resume();
    if (opts.timers ?? true) {
      timer = setInterval(() => {
        sessions.tick().then(
          () => sampleRates(ctx, now()),
          (err: unknown) => app.log.error({ err }, 'tick failed'),
        );
      }, 1000);
    }
  });
  // Saved first, while connections are still open: a stop then never loses the state to slow
  // requests (they held the close until the 10 s stop limit, which exited without saving).
  app.addHook('preClose', async () => {
    if (timer) clearInterval(timer);
    const saved = await sessions.shutdown();
    await ctx.dashboard.flush();
    // Said on a stop of a DP that served (a start that could not listen ends with one line).
    if (saved && app.server.listening) app.log.info({ path: store.path }, 'state saved');
    else if (!saved) app.log.error({ path: store.path, code: store.health.code, err: store.health.error }, 'the state could not be saved at the stop: changes since the last save are lost');
  });
  app.addHook('onClose', async () => {
    await boot?.stop();
    await store.close();
  });
  return app as unknown as DpApp;
}
