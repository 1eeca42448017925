// Prometheus metrics, read from the live state at scrape time. One Registry per app instance.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DpContext } from './context';

export function metricsRoutes(app: FastifyInstance, ctx: DpContext): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'castpoint_dp_' });
  const live = (): ReturnType<DpContext['sessions']['live']> => ctx.sessions.live();

  new Gauge({
    name: 'castpoint_dp_images',
    help: 'Images registered',
    registers: [registry],
    collect() {
      this.set(ctx.catalog.list().length);
    },
  });
  new Gauge({
    name: 'castpoint_dp_sessions',
    help: 'Sessions by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const st of ['waiting', 'running', 'done', 'cancelled', 'failed']) {
        this.set({ state: st }, ctx.sessions.list().filter((s) => s.state === st).length);
      }
    },
  });
  new Gauge({
    name: 'castpoint_dp_clients',
    help: 'Clients by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const st of ['waiting', 'receiving', 'repairing', 'done', 'fallback', 'failed']) {
        this.set({ state: st }, ctx.sessions.clients.list().filter((c) => c.state === st).length);
      }
    },
  });
  const perSession = (name: string, help: string, pick: (s: NonNullable<ReturnType<DpContext['sessions']['stats']>>) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['session', 'image'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of live()) {
          const st = ctx.sessions.stats(s.id);
          if (st) this.set({ session: String(s.id), image: s.image }, pick(st));
        }
      },
    });
  };
  perSession('castpoint_dp_session_sent_bytes', 'Bytes sent by a live session', (s) => s.bytesSent);
  perSession('castpoint_dp_session_sent_packets', 'Packets sent by a live session', (s) => s.packetsSent);
  perSession('castpoint_dp_session_repair_packets', 'Repair (parity or resent) packets sent by a live session', (s) => s.repairPackets);
  perSession('castpoint_dp_session_nacks', 'NACKs received by a live session', (s) => s.nacksReceived);
  perSession('castpoint_dp_session_bad_packets', 'Packets a live session dropped (bad authentication or format)', (s) => s.badPackets);
  perSession('castpoint_dp_session_control_errors', 'Control packets a live session could not encode (skipped)', (s) => s.controlErrors);
  perSession('castpoint_dp_session_unknown_receiver_packets', 'Control packets from receiver ids the session did not register (dropped)', (s) => s.unknownReceiverPackets);
  perSession('castpoint_dp_session_refused_repair_symbols', 'Repair symbols receivers asked for beyond their repair budget (refused)', (s) => s.refusedRepairSymbols);
  perSession('castpoint_dp_session_throughput_bytes_per_second', 'Measured send throughput of a live session', (s) => s.throughputBps);
  perSession('castpoint_dp_session_grtt_ms', 'Group round-trip time of a live session', (s) => s.grttMs);
  new Gauge({
    name: 'castpoint_dp_session_receivers',
    help: 'Receivers registered in a live session',
    labelNames: ['session', 'image'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of live()) this.set({ session: String(s.id), image: s.image }, s.receivers.length);
    },
  });
  const requests = new Counter({
    name: 'castpoint_dp_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    requests.inc({ route: req.routeOptions.url ?? 'unknown', method: req.method, status: String(reply.statusCode) });
  });

  app.get('/metrics', { schema: { tags: ['metrics'], description: 'Prometheus text format' } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
