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
  // A full or failing disk under the data directory: the DP refuses new sessions and imports (507).
  new Gauge({
    name: 'castpoint_dp_state_save_failing',
    help: '1 while the DP cannot save its state (disk full or failing), else 0',
    registers: [registry],
    collect() {
      this.set(ctx.store.health.ok ? 0 : 1);
    },
  });
  new Gauge({
    name: 'castpoint_dp_state_save_failures',
    help: 'Failed attempts to save the state since the DP started',
    registers: [registry],
    collect() {
      this.set(ctx.store.health.failuresTotal);
    },
  });
  bootMetrics(registry, ctx);
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

/** The boot service's counters (boot/boot-counters.ts), read at scrape time; none while it is off. */
function bootMetrics(registry: Registry, ctx: DpContext): void {
  const boot = ctx.boot;
  if (!boot) return;
  const c = boot.counters;
  const table = (name: string, help: string, label: string, read: () => ReadonlyMap<string, number>): void => {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [k, v] of read()) this.inc({ [label]: k }, v);
      },
    });
  };
  table('castpoint_dp_boot_dhcp_malformed_total', 'DHCP datagrams dropped as malformed, by decode error', 'code', () => c.dhcpMalformed);
  table('castpoint_dp_boot_dhcp_ignored_total', 'Well-formed DHCP requests not answered, by reason', 'reason', () => c.dhcpIgnored);
  table('castpoint_dp_boot_dhcp_replies_total', 'DHCP replies sent, by kind', 'kind', () => c.dhcpReplies);
  table('castpoint_dp_boot_tftp_malformed_total', 'TFTP datagrams dropped as malformed, by decode error', 'code', () => c.tftpMalformed);
  table('castpoint_dp_boot_tftp_transfers_total', 'TFTP requests by outcome (done, failed, refused, write-refused, busy)', 'outcome', () => c.tftpTransfers);
  table('castpoint_dp_boot_rival_offers_total', 'Offers of another server to PXE clients on this LAN, by server address', 'server', () => c.rivalOffers);
  table('castpoint_dp_boot_scripts_total', 'iPXE scripts served by /boot/ipxe, by outcome (bootenv, menu, exit)', 'outcome', () => c.scripts);
}
