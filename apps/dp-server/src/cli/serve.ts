// `castpoint-dp serve`: builds the app with the real libs, listens, prints generated tokens once,
// and on SIGTERM/SIGINT saves state and stops cleanly.
import { chunkingImporter } from '../images/chunking-importer';
import { buildApp } from '../http/app';
import { udpRunnerFactory } from '../sessions/udp-runner';
import type { ServeSettings } from '../config/settings';

export async function serve(settings: ServeSettings): Promise<void> {
  const app = await buildApp({
    settings,
    importer: chunkingImporter(),
    runnerFactory: udpRunnerFactory(),
    logger: {
      level: process.env['CASTPOINT_LOG_LEVEL'] ?? 'info',
      // The dashboard's event stream carries the admin token in its query (EventSource cannot send
      // headers): never write it to the log.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactToken(req.url), remoteAddress: req.ip }),
      },
    },
  });
  const gen = app.dp.generatedTokens;
  if (gen.admin !== undefined || gen.client !== undefined) {
    // Printed once, on the start that created them; they are kept in DATA_DIR/state.json (mode 0600).
    if (gen.admin !== undefined) process.stdout.write(`admin token: ${gen.admin}\n`);
    if (gen.client !== undefined) process.stdout.write(`client token: ${gen.client}\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: saving state');
    const force = setTimeout(() => {
      app.log.error('clean stop took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app.close().then(
      () => {
        app.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const url = await app.listen({ host: settings.listen.host, port: settings.listen.port });
  app.log.info({ url, epoch: app.dp.store.state.epoch, dataDir: settings.dataDir, mcastInterface: settings.mcastInterface }, 'castpoint-dp listening');
}

export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
}
