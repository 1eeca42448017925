// The castpoint-dp command line (the only module that loads yargs). Command names and flags are a
// contract with scripts and docs: keep them.
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isCastpointError } from '@castpoint/wire';
import { readConfigFile, resolveSettings, SETTING_DEFAULTS, SETTING_NAMES, type SettingName } from '../config/settings';
import { readTokenFile } from '../config/token-files';
import { ApiClient, table } from './api-client';
import { deploymentCommands, historyCommand, historyOptions } from './deployment-commands';
import { collectionCommands, machineCommands } from './fleet-commands';
import { serve } from './serve';

interface ApiArgs {
  server?: string;
  token?: string;
  'token-file'?: string;
  json?: boolean;
}

/** The admin token: --token, --token-file (kept out of ps), then CASTPOINT_TOKEN, CASTPOINT_TOKEN_FILE. */
function adminToken(args: ApiArgs): string | undefined {
  if (args.token !== undefined && args['token-file'] !== undefined) throw usage('--token and --token-file are both given: give one');
  if (args['token-file'] !== undefined) return readTokenFile(args['token-file'], 'token-file');
  if (args.token !== undefined) return args.token;
  const envFile = process.env['CASTPOINT_TOKEN_FILE'];
  return process.env['CASTPOINT_TOKEN'] || (envFile ? readTokenFile(envFile, 'token-file') : undefined);
}

function api(args: ApiArgs): ApiClient {
  const server = args.server ?? process.env['CASTPOINT_SERVER'];
  if (!server) throw usage('--server URL is required (or CASTPOINT_SERVER)');
  const token = adminToken(args);
  if (!token) throw usage('--token-file FILE or --token ADMIN_TOKEN is required (or CASTPOINT_TOKEN_FILE, CASTPOINT_TOKEN)');
  return new ApiClient({ server, token });
}

class UsageError extends Error {}
function usage(msg: string): UsageError {
  return new UsageError(msg);
}

function print(args: ApiArgs, value: unknown, render: () => string): void {
  process.stdout.write(`${args.json ? JSON.stringify(value, null, 2) : render()}\n`);
}

const apiOptions = <T>(y: Argv<T>) =>
  y
    .option('server', { type: 'string', describe: 'URL of the DP, e.g. http://10.0.0.5:8080 (env CASTPOINT_SERVER)' })
    .option('token', { type: 'string', describe: 'Admin token (env CASTPOINT_TOKEN; visible in ps: prefer --token-file)' })
    .option('token-file', { type: 'string', describe: 'File holding the admin token, mode 0600, e.g. DATA_DIR/admin.token (env CASTPOINT_TOKEN_FILE)' })
    .option('json', { type: 'boolean', describe: 'Print JSON instead of a table' });

function serveCommand(y: Argv) {
  let out = y.option('config', { type: 'string', describe: 'JSON config file (settings by flag name)' });
  const descr: Record<SettingName, string> = {
    'data-dir': 'Directory for state, manifests and tokens',
    listen: 'HTTP listener HOST:PORT',
    'mcast-interface': 'IPv4 address of the interface sessions multicast from',
    'group-range': 'Multicast groups for sessions (CIDR)',
    'port-range': 'UDP ports for sessions (LOW-HIGH)',
    'max-rate': 'Rate cap per session: 500mbit, 1gbit, 80mbyte',
    'max-clients': 'Agents receiving by multicast at once',
    ttl: 'Multicast TTL',
    'admin-token': 'Admin token (generated on first start when absent; visible in ps: prefer --admin-token-file)',
    'client-token': 'Client (agent) token (generated on first start when absent; visible in ps: prefer --client-token-file)',
    'admin-token-file': 'File holding the admin token (mode 0600)',
    'client-token-file': 'File holding the client token (mode 0600)',
    'image-root': 'Directory images may be imported from; repeat for more [default: DATA_DIR/images]',
  };
  for (const n of SETTING_NAMES) {
    const d = SETTING_DEFAULTS[n];
    out = out.option(n, { type: 'string', ...(n === 'image-root' ? { array: true } : {}), describe: `${descr[n]}${d !== undefined ? ` [default: ${d}]` : ''}` });
  }
  return out;
}

/** Set by tools/build/bundle.mjs; absent when the sources run unbundled (tests). */
declare const __CASTPOINT_VERSION__: string | undefined;
const VERSION = typeof __CASTPOINT_VERSION__ === 'string' ? __CASTPOINT_VERSION__ : 'development';

/** The CLI's switches: yargs reads `--encrypt=1` or `=yes` as false, so a value is refused unless true or false. */
const SWITCHES = ['json', 'multicast-only', 'encrypt'];

function checkSwitches(argv: readonly string[]): void {
  for (const a of argv) {
    const m = /^--(?:no-)?([a-z-]+)=(.*)$/.exec(a);
    if (m && SWITCHES.includes(m[1] ?? '') && m[2] !== 'true' && m[2] !== 'false') {
      throw usage(`--${m[1] ?? ''} is a switch: give it alone (or =true / =false), got "${a}"`);
    }
  }
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    checkSwitches(argv);
  } catch (err) {
    process.stderr.write(`castpoint-dp: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const parser = yargs(argv as string[])
    .scriptName('castpoint-dp')
    .strict()
    .command(
      'serve',
      'Run the distribution point (settings: config file < CASTPOINT_* env < flags)',
      (y) => serveCommand(y),
      async (args) => {
        const flags: Partial<Record<SettingName, unknown>> = {};
        for (const n of SETTING_NAMES) if (args[n] !== undefined) flags[n] = args[n];
        const settings = resolveSettings({
          ...(args.config !== undefined ? { file: readConfigFile(args.config) } : {}),
          env: process.env,
          flags,
        });
        await serve(settings);
      },
    )
    .command('image', 'Manage images on a running DP', (y) =>
      apiOptions(y)
        .command(
          'add <name> <file>',
          "Import FILE (a path on the DP's disk, inside one of its image roots) as image NAME",
          (a) =>
            a
              .positional('name', { type: 'string', demandOption: true })
              .positional('file', { type: 'string', demandOption: true })
              .option('multicast-only', { type: 'boolean', describe: 'Never fall back to unicast' })
              .option('encrypt', { type: 'boolean', describe: 'AES-256-GCM instead of HMAC authentication only' })
              .option('mode', { choices: ['autocast', 'scheduled'] as const, describe: 'autocast [default] or scheduled' })
              .option('min-clients', { type: 'number', describe: 'Scheduled: start once N clients wait' })
              .option('start-delay', { type: 'number', describe: 'Scheduled: start SECONDS after the first request' })
              .option('start-at', { type: 'string', describe: 'Scheduled: start at an ISO 8601 time' })
              .option('max-wait', { type: 'number', describe: 'Scheduled: never wait longer than SECONDS' })
              .option('slow-policy', { type: 'string', describe: 'same-speed [default], tiers or disconnect:KBPS' }),
          async (a) => {
            const body = {
              name: a.name,
              file: resolve(a.file),
              ...(a['multicast-only'] !== undefined ? { multicastOnly: a['multicast-only'] } : {}),
              ...(a.encrypt !== undefined ? { encrypt: a.encrypt } : {}),
              ...(a.mode !== undefined ? { mode: a.mode } : {}),
              ...(a['min-clients'] !== undefined ? { minClients: a['min-clients'] } : {}),
              ...(a['start-delay'] !== undefined ? { startDelaySec: a['start-delay'] } : {}),
              ...(a['start-at'] !== undefined ? { startAt: a['start-at'] } : {}),
              ...(a['max-wait'] !== undefined ? { maxWaitSec: a['max-wait'] } : {}),
              ...(a['slow-policy'] !== undefined ? { slowPolicy: a['slow-policy'] } : {}),
            };
            const rec = await api(a).call<Record<string, unknown>>('POST', '/api/v1/images', body);
            print(a, rec, () => `added image ${String(rec['name'])}: ${String(rec['size'])} bytes, ${String(rec['chunks'])} chunks, manifest ${String(rec['manifestHash'])}`);
          },
        )
        .command('list', 'List images', (a) => a, async (a) => {
          const rows = await api(a).call<Array<Record<string, unknown> & { settings: Record<string, unknown> }>>('GET', '/api/v1/images');
          print(a, rows, () => table(rows.map((r) => ({ ...r, mode: r.settings['mode'], multicastOnly: r.settings['multicastOnly'], state: r['broken'] ? 'BROKEN' : 'ok' })), ['name', 'size', 'chunks', 'mode', 'multicastOnly', 'state', 'file']));
        })
        .command(
          'rm <name>',
          'Remove an image (the file stays on disk)',
          (a) => a.positional('name', { type: 'string', demandOption: true }),
          async (a) => {
            await api(a).call('DELETE', `/api/v1/images/${encodeURIComponent(a.name)}`);
            print(a, { removed: a.name }, () => `removed image ${a.name}`);
          },
        )
        .demandCommand(1, 'name an image command: add, list or rm'),
    )
    .command('session', 'Manage sessions on a running DP', (y) =>
      apiOptions(y)
        .command('list', 'List sessions', (a) => a, async (a) => {
          const rows = await api(a).call<Array<Record<string, unknown>>>('GET', '/api/v1/sessions');
          print(a, rows, () =>
            table(
              rows.map((r) => ({ ...r, receivers: Array.isArray(r['receivers']) ? r['receivers'].length : r['receivers'] })),
              ['id', 'image', 'state', 'mode', 'group', 'port', 'receivers', 'startedAt', 'endReason'],
            ),
          );
        })
        .command(
          'start <image>',
          'Start a session for IMAGE now (a waiting scheduled session starts at once)',
          (a) => a.positional('image', { type: 'string', demandOption: true }),
          async (a) => {
            const s = await api(a).call<Record<string, unknown>>('POST', '/api/v1/sessions', { image: a.image });
            print(a, s, () => `session ${String(s['id'])} ${String(s['state'])} on ${String(s['group'])}:${String(s['port'])}`);
          },
        )
        .command(
          'cancel <id>',
          'Cancel session ID (its receivers are told to stop)',
          (a) => a.positional('id', { type: 'number', demandOption: true }),
          async (a) => {
            const s = await api(a).call<Record<string, unknown>>('DELETE', `/api/v1/sessions/${a.id}`);
            print(a, s, () => `session ${String(s['id'])} ${String(s['state'])}`);
          },
        )
        .demandCommand(1, 'name a session command: list, start or cancel'),
    )
    .command('client', 'Show clients of a running DP', (y) =>
      apiOptions(y)
        .command('list', 'List clients and their state', (a) => a, async (a) => {
          const rows = await api(a).call<Array<Record<string, unknown>>>('GET', '/api/v1/clients');
          print(a, rows, () =>
            table(
              rows.map((r) => ({ ...r, progress: `${Math.floor(Number(r['progress'] ?? 0) * 100)}%` })),
              ['id', 'hostname', 'image', 'state', 'progress', 'sessionId', 'receiverId', 'message'],
            ),
          );
        })
        .demandCommand(1, 'name a client command: list'),
    )
    .command('machine', 'Manage machines on a running DP', (y) => machineCommands(apiOptions(y), { api, print }))
    .command('collection', 'Manage collections of machines on a running DP', (y) => collectionCommands(apiOptions(y), { api, print }))
    .command('deployment', 'Manage deployments (image -> collection) on a running DP', (y) => deploymentCommands(apiOptions(y), { api, print }))
    .command('history', 'Show deployment attempts per machine', (y) => historyOptions(apiOptions(y)), (a) => historyCommand(a, { api, print }))
    .demandCommand(1, 'name a command: serve, image, session, client, machine, collection, deployment or history')
    .version(VERSION)
    .help()
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help().toString()}\n\ncastpoint-dp: ${msg}\n`);
      process.exit(2);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`castpoint-dp: ${err.message}\n`);
      process.exit(2);
    }
    if (isCastpointError(err)) {
      process.stderr.write(`castpoint-dp: ${err.message}\n`);
      process.exit(err.code === 'DP_BAD_SETTING' || err.code === 'DP_BAD_CONFIG_FILE' ? 2 : 1);
    }
    throw err;
  }
}

export function main(): void {
  runCli(hideBin(process.argv)).catch((err: unknown) => {
    process.stderr.write(`castpoint-dp: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
