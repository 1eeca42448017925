// The castpoint-dp command line (the only module that loads yargs). Command names and flags are a
// contract with scripts and docs: keep them.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isCastpointError } from '@castpoint/wire';
import { readConfigFile, resolveSettings, SETTING_DEFAULTS, SETTING_NAMES, type SettingName } from '../config/settings';
import { BOOT_SETTING_DESCRIPTIONS } from '../boot/boot-settings';
import { apiClient, print, UsageError, usage } from './api-args';
import { bootenvBuild } from './bootenv-command';
import { bootenvWinpe } from './winpe-command';
import { deploymentCommands, historyCommand, historyOptions } from './deployment-commands';
import { collectionCommands, machineCommands, type FleetIo } from './fleet-commands';
import { imageAdd, imageList, imageRemove, imageSet } from './image-commands';
import { processIo, type CliIo } from './io';
import { serve } from './serve';
import { DEFAULT_CONFIG_PATH, DEFAULT_UNIT_DIR, installService } from './install-service';
import { clientList, sessionCancel, sessionList, sessionStart } from './session-commands';
import { explainUnknownArguments } from './unknown-flags';

const apiOptions = <T>(y: Argv<T>) =>
  y
    .option('server', { type: 'string', describe: 'URL of the DP, e.g. http://10.0.0.5:8080 (env CASTPOINT_SERVER)' })
    .option('token', { type: 'string', describe: 'Admin token (env CASTPOINT_TOKEN; visible in ps: prefer --token-file)' })
    .option('token-file', { type: 'string', describe: 'File holding the admin token, mode 0600, e.g. DATA_DIR/admin.token (env CASTPOINT_TOKEN_FILE)' })
    .option('server-fingerprint', { type: 'string', describe: "SHA-256 of the DP's TLS certificate (its start line prints it): only that certificate is accepted (env CASTPOINT_SERVER_FINGERPRINT)" })
    .option('data-dir', { type: 'string', describe: "On the DP's host: pin the certificate the DP generated in this data dir (env CASTPOINT_DATA_DIR)" })
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
    'start-rate': 'Where a session\'s rate starts: cap (at --max-rate, as udp-sender\'s --max-bitrate), probe (an eighth of it, doubling every 200 ms up to the cap), or auto: cap when --max-rate is set, else probe. Either way the first queue a receiver reports brings it down',
    'max-clients': 'Agents receiving by multicast at once',
    ttl: 'Multicast TTL',
    'agent-rate-limit': 'Agent API requests per minute per source address (429 above; 0: off)',
    'receiver-silence': 'Seconds a session receiver may stay silent before it is dropped (slow machines: more) [default: 5]',
    'symbol-size': 'Bytes of image per data packet: auto (the largest the MTUs of this interface and of each session\'s starting agents allow, 1400 at 1500, 8900 with jumbo frames) or a number',
    'admin-token': 'Admin token (generated on first start when absent; visible in ps: prefer --admin-token-file)',
    'client-token': 'Client (agent) token (generated on first start when absent; visible in ps: prefer --client-token-file)',
    'admin-token-file': 'File holding the admin token (mode 0600)',
    'client-token-file': 'File holding the client token (mode 0600)',
    'operator-token-file': 'File holding the operator token (mode 0600) [default: DATA_DIR/operator.token, generated]',
    'viewer-token-file': 'File holding the viewer token (mode 0600) [default: DATA_DIR/viewer.token, generated]',
    'capture-token-file': 'File holding the capture token: it may upload captures and nothing else (mode 0600) [default: DATA_DIR/capture.token, generated]',
    'image-root': 'Directory images may be imported from; repeat for more [default: DATA_DIR/images]',
    tls: 'HTTPS: on (a self-signed certificate generated in DATA_DIR at first start unless --tls-cert/--tls-key) or off',
    'tls-cert': 'PEM certificate for HTTPS (with --tls-key)',
    'tls-key': 'PEM private key for HTTPS (with --tls-cert; not readable by every user)',
    ...BOOT_SETTING_DESCRIPTIONS,
    'database-url': 'PostgreSQL server for the DP state, postgres://USER:PASSWORD@HOST:PORT/DB [default: PGlite in DATA_DIR/db]',
    'compress-level': 'zstd level 1-22 of an image add that names none, or off (images are then added raw unless --compress) [default: 3]',
  };
  for (const n of SETTING_NAMES) {
    const d = SETTING_DEFAULTS[n];
    out = out.option(n, { type: n === 'boot' ? 'boolean' : 'string', ...(n === 'image-root' ? { array: true } : {}), describe: `${descr[n]}${d !== undefined ? ` [default: ${d}]` : ''}` });
  }
  return out;
}

/** Set by tools/build/bundle.mjs; absent when the sources run unbundled (tests). */
declare const __CASTPOINT_VERSION__: string | undefined;
const VERSION = typeof __CASTPOINT_VERSION__ === 'string' ? __CASTPOINT_VERSION__ : 'development';

/** The CLI's switches: yargs reads `--encrypt=1` or `=yes` as false, so a value is refused unless true or false. */
const SWITCHES = ['json', 'multicast-only', 'encrypt', 'bytes', 'dry-run', 'refused', 'boot', 'compress'];

function checkSwitches(argv: readonly string[]): void {
  for (const a of argv) {
    const m = /^--(?:no-)?([a-z-]+)=(.*)$/.exec(a);
    if (m && SWITCHES.includes(m[1] ?? '') && m[2] !== 'true' && m[2] !== 'false') {
      throw usage(`--${m[1] ?? ''} is a switch: give it alone (or =true / =false), got "${a}"`);
    }
  }
}

/** The per-image setting flags, shared by `image add` and `image set` (same names: a contract). */
const settingOptions = <T>(y: Argv<T>, clearable: boolean) => {
  const none = clearable ? '; none clears it' : '';
  return y
    .option('multicast-only', { type: 'boolean', describe: `Never fall back to unicast${clearable ? ' (--no-multicast-only allows it again)' : ''}` })
    .option('encrypt', { type: 'boolean', describe: `AES-256-GCM instead of HMAC authentication only${clearable ? ' (--no-encrypt: HMAC only)' : ''}` })
    .option('mode', { choices: ['autocast', 'scheduled'] as const, describe: clearable ? 'autocast (clears the schedule) or scheduled' : 'autocast [default] or scheduled' })
    .option('min-clients', { type: 'string', describe: `Scheduled: start once N clients wait${none}` })
    .option('start-delay', { type: 'string', describe: `Scheduled: start SECONDS after the first request${none}` })
    .option('start-at', { type: 'string', describe: `Scheduled: start at an ISO 8601 time${none}` })
    .option('max-wait', { type: 'string', describe: `Scheduled: never wait longer than SECONDS${none}` })
    .option('slow-policy', { type: 'string', describe: 'same-speed [default], tiers or disconnect:KBPS' });
};

const bytesOption = <T>(y: Argv<T>) => y.option('bytes', { type: 'boolean', describe: 'Sizes as raw byte counts instead of 3.0 GiB' });

/** Runs the command line; resolves with the exit status (0 also while `serve` keeps running). */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const fail = (msg: string): number => {
    io.err(`castpoint-dp: ${msg}\n`);
    return 2;
  };
  const fleet: FleetIo = { api: (a) => apiClient(a, io), print: (a, value, render) => print(io, a, value, render) };
  try {
    checkSwitches(argv);
  } catch (err) {
    return fail((err as Error).message);
  }
  const parser = yargs(argv as string[])
    .scriptName('castpoint-dp')
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .command(
      'serve',
      'Run the distribution point (settings: config file < CASTPOINT_* env < flags)',
      (y) => serveCommand(y),
      async (args) => {
        const flags: Partial<Record<SettingName, unknown>> = {};
        for (const n of SETTING_NAMES) if (args[n] !== undefined) flags[n] = args[n];
        // Read again on SIGHUP: the config file and token files may have changed.
        const read = () =>
          resolveSettings({
            ...(args.config !== undefined ? { file: readConfigFile(args.config) } : {}),
            env: process.env,
            flags,
          });
        await serve(read(), read);
      },
    )
    .command(
      'install-service',
      `Install the DP as a systemd service (unit in ${DEFAULT_UNIT_DIR}, config ${DEFAULT_CONFIG_PATH} if absent)`,
      (y) =>
        y
          .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'Config file the service reads (written when absent)' })
          .option('mcast-interface', { type: 'string', describe: 'IPv4 address sessions multicast from (needed to write a new config)' })
          .option('listen', { type: 'string', default: '0.0.0.0:8080', describe: 'HTTP listener of a new config' })
          .option('user', { type: 'string', describe: 'Run as this existing user [default: a dynamic user made by systemd]' })
          .option('unit-dir', { type: 'string', default: DEFAULT_UNIT_DIR, describe: 'Where the unit file goes' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the unit and the config; write nothing' }),
      (a) => installService({ unitDir: a['unit-dir'], config: a.config, mcastInterface: a['mcast-interface'], listen: a.listen, user: a.user, dryRun: a['dry-run'] }, io),
    )
    .command('image', 'Manage images on a running DP', (y) =>
      apiOptions(y)
        .command(
          'add <name> <file>',
          "Import FILE (a path on the DP's disk, inside one of its image roots) as image NAME",
          (a) =>
            bytesOption(settingOptions(a.positional('name', { type: 'string', demandOption: true }).positional('file', { type: 'string', demandOption: true }), false)).option('used-blocks', {
              type: 'boolean',
              describe: "FILE is a whole disk: map its filesystems' used blocks and never send or write the free ones (docs/capture.md)",
            }).option('compress', {
              type: 'boolean',
              describe: "Compress the stored chunks with zstd into a chunk pack in the data dir, in worker threads (docs/chunking.md, Compression) [default: on, unless the DP's compress-level is off]; --no-compress: store them raw",
            }).option('compress-level', {
              type: 'number',
              describe: "zstd level 1-22 [default: the DP's compress-level, 3]",
            })
              .option('kind', { type: 'string', describe: 'disk [default]: written to the target as is; wim: a Windows image applied to the target disk' })
              .option('index', { type: 'string', describe: 'With --kind wim: the image inside the WIM to apply [default 1]' }),
          (a) => imageAdd(a, io),
        )
        .command('list', 'List images with size, schedule, encryption, slow-client policy and state', (a) => bytesOption(a), (a) => imageList(a, io))
        .command(
          'set <name>',
          "Change image NAME's settings in place (the flags of image add; the ones not given are kept)",
          (a) => settingOptions(a.positional('name', { type: 'string', demandOption: true }), true),
          (a) => imageSet(a, io),
        )
        .command(
          'rm <name>',
          'Remove an image (the file stays on disk)',
          (a) => a.positional('name', { type: 'string', demandOption: true }),
          (a) => imageRemove(a, io),
        )
        .recommendCommands()
        .demandCommand(1, 'name an image command: add, list, set or rm'),
    )
    .command('session', 'Manage sessions on a running DP', (y) =>
      apiOptions(y)
        .command('list', 'List sessions', (a) => a, (a) => sessionList(a, io))
        .command(
          'start <image>',
          'Start a session for IMAGE now (a waiting scheduled session starts at once)',
          (a) => a.positional('image', { type: 'string', demandOption: true }),
          (a) => sessionStart(a, io),
        )
        .command(
          'cancel <id>',
          'Cancel session ID (its receivers are told to stop)',
          // Read as text: yargs' number type made `cancel abc` a request for /sessions/NaN.
          (a) => a.positional('id', { type: 'string', demandOption: true }),
          (a) => sessionCancel(a, io),
        )
        .recommendCommands()
        .demandCommand(1, 'name a session command: list, start or cancel'),
    )
    .command('client', 'Show clients of a running DP', (y) =>
      apiOptions(y)
        .command('list', 'List clients and their state', (a) => a, (a) => clientList(a, io))
        .recommendCommands()
        .demandCommand(1, 'name a client command: list'),
    )
    .command('machine', 'Manage machines on a running DP', (y) => machineCommands(apiOptions(y), fleet))
    .command('collection', 'Manage collections of machines on a running DP', (y) => collectionCommands(apiOptions(y), fleet))
    .command('deployment', 'Manage deployments (image -> collection) on a running DP', (y) => deploymentCommands(apiOptions(y), fleet))
    .command('history', 'Show deployment attempts per machine', (y) => historyOptions(apiOptions(y)), (a) => historyCommand(a, fleet))
    .command('bootenv', 'Build the network boot environment (kernel + initramfs with the agent)', (y) =>
      y
        .command(
          'build',
          'Build vmlinuz and initrd.img from Debian packages (apt-get download) and the castpoint-agent executable',
          (a) =>
            a
              .option('out', { type: 'string', describe: 'Output directory [default: DATA_DIR/bootenv]' })
              .option('data-dir', { type: 'string', describe: 'The DP data directory (env CASTPOINT_DATA_DIR)' })
              .option('cache', { type: 'string', describe: 'Where downloaded .deb files are kept [default: DATA_DIR/cache/debian]' })
              .option('agent', { type: 'string', describe: 'castpoint-agent linux-x64 executable [default: castpoint-agent-linux-x64 beside this build]' })
              .option('kernel-package', { type: 'string', describe: 'A linux-image-*-amd64 package [default: the one linux-image-amd64 depends on]' })
              .option('json', { type: 'boolean', describe: 'Print the report as JSON' }),
          (a) => bootenvBuild(a, io),
        )
        .command(
          'winpe',
          'Write the WinPE kit: castpoint-agent.exe, startnet.cmd, the deploy and firewall scripts to add to boot.wim',
          (a) =>
            a
              .option('out', { type: 'string', describe: 'Output directory (laid out like boot.wim\'s root)' })
              .option('agent', { type: 'string', describe: 'castpoint-agent win-x64 executable [default: castpoint-agent-win-x64.exe beside this build]' })
              .option('server', { type: 'string', describe: 'The DP URL written into settings.cmd (editable later)' })
              .option('token', { type: 'string', describe: 'The client token written into settings.cmd' })
              .option('port-range', { type: 'string', describe: 'The DP\'s session UDP ports, opened in WinPE\'s firewall [default: 63000-64000]' })
              .option('json', { type: 'boolean', describe: 'Print the report as JSON' }),
          (a) => bootenvWinpe(a, io),
        )
        .demandCommand(1, 'name a bootenv command: build or winpe'),
    )
    .demandCommand(1, 'name a command: serve, install-service, image, session, client, machine, collection, deployment, history or bootenv')
    .version(VERSION)
    .help()
    .fail((msg, err, y) => {
      if (err) throw err;
      // The flags of the command being parsed (yargs keeps one instance and resets its options
      // per command), for "did you mean".
      const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      throw new HelpedUsageError(explainUnknownArguments(msg, known, argv), y.help().toString());
    });
  try {
    await parser.parseAsync();
    return 0;
  } catch (err) {
    if (err instanceof HelpedUsageError) {
      io.err(`${err.help}\n\n`);
      return fail(err.message);
    }
    if (err instanceof UsageError) return fail(err.message);
    if (isCastpointError(err)) {
      io.err(`castpoint-dp: ${err.message}\n`);
      return err.code === 'DP_BAD_SETTING' || err.code === 'DP_BAD_CONFIG_FILE' ? 2 : 1;
    }
    throw err;
  }
}

/** A usage error found by yargs: printed after the command's help. */
class HelpedUsageError extends UsageError {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

export function main(): void {
  runCli(hideBin(process.argv)).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`castpoint-dp: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
