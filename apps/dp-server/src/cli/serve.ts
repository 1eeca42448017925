// `castpoint-dp serve`: builds the app with the real libs, listens, prints generated tokens once,
// and on SIGTERM/SIGINT saves state and stops cleanly.
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { chunkingImporter } from '../images/chunking-importer';
import { buildApp } from '../http/app';
import { udpRunnerFactory } from '../sessions/udp-runner';
import { checkMcastInterfaceHere, type ServeSettings } from '../config/settings';
import { DpError } from '../errors';

/** How long the last log lines get to leave before the process exits. */
const EXIT_GRACE_MS = 300;

export async function serve(settings: ServeSettings): Promise<void> {
  checkMcastInterfaceHere(settings.mcastInterface, networkInterfaces());
  // Asynchronous writes to stdout, and a lost reader (a closed pipe) only stops the logging: with
  // pino's default synchronous destination a dead log reader would hang the DP in write retries.
  const dest = pino.destination({ dest: 1, sync: false, minLength: 0 });
  dest.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  const logger = pino(
    {
      level: process.env['CASTPOINT_LOG_LEVEL'] ?? 'info',
      // The dashboard's event stream carries the admin token in its query (EventSource cannot send
      // headers): never write it to the log.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactToken(req.url), remoteAddress: req.ip }),
      },
    },
    dest,
  );
  const app = await buildApp({
    settings,
    importer: chunkingImporter(),
    runnerFactory: udpRunnerFactory(),
    loggerInstance: logger,
  });
  // The last log lines get a moment to go out by the destination's own asynchronous writes (a
  // pipe takes them in well under that), then the process exits without pino's synchronous flush
  // on 'exit': sonic-boom's flushSync retries a write to a closed pipe (EPIPE) forever, which hung
  // the DP for good when its log reader died with it (Ctrl-C on `castpoint-dp serve | tee log`).
  const exit = (code: number): void => {
    dest.flushSync = () => undefined;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS);
  };
  // Printed once, on the start that created them (kept in DATA_DIR/state.json, mode 0600): after
  // the listen, or with the reason it failed, so they are never shown only by a start that died.
  const printTokens = (): void => {
    const gen = app.dp.generatedTokens;
    if (gen.admin !== undefined) process.stdout.write(`admin token: ${gen.admin}\n`);
    if (gen.client !== undefined) process.stdout.write(`client token: ${gen.client}\n`);
  };
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: saving state');
    const force = setTimeout(() => {
      app.log.error('clean stop took longer than 10 s; exiting');
      exit(1);
    }, 10_000);
    force.unref();
    app.close().then(
      () => {
        app.log.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'stop failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  let url: string;
  try {
    url = await app.listen({ host: settings.listen.host, port: settings.listen.port });
  } catch (err) {
    printTokens();
    await app.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'the address is in use (another castpoint-dp?)' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new DpError('DP_LISTEN_FAILED', `cannot listen on ${settings.listen.host}:${settings.listen.port}: ${why}`, { code: e.code ?? '' }, { cause: err });
  }
  printTokens();
  app.log.info({ url, epoch: app.dp.store.state.epoch, dataDir: settings.dataDir, mcastInterface: settings.mcastInterface }, 'castpoint-dp listening');
}

export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
}
