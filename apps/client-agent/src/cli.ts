// The command line (a contract: WinPE scripts and docs use these names). yargs lives only here,
// because it is ESM-only and jest cannot load it; everything this calls is unit-tested on its own.
import yargs, { type Argv } from 'yargs';
import { AgentError, EXIT, EXIT_CODE_DOCS, exitCodeOf, type ExitCode } from './errors';
import type { RawRunArgs } from './flow/run-options';
import { validateCaptureOptions, type CaptureOptions, type RawCaptureArgs } from './capture-options';
import type { RawRefreshArgs } from './refresh/refresh-options';
import { validateDeployOptions, type DeployOptions, type RawDeployArgs } from './options';
import { formatError } from './output/format';
import { describeUnknownOptions, type KnownOptions } from './unknown-options';
import { AGENT_VERSION } from './version';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTty: boolean;
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
}


export type DeployRunner = (opts: DeployOptions) => Promise<ExitCode>;
/** `run` (issue 24): validates its raw options (usage errors as AgentError) and runs. */
export type RunRunner = (raw: RawRunArgs) => Promise<ExitCode>;
/** `refresh` (issue 25): validates its raw options (usage errors as AgentError) and runs. */
export type RefreshRunner = (raw: RawRefreshArgs) => Promise<ExitCode>;

export type CaptureRunner = (opts: CaptureOptions) => Promise<ExitCode>;

/** `capture`'s options (issue #26 names them: --source, --server, --name, --token). */
function captureOptions<T>(y: Argv<T>) {
  return y
    .option('source', { type: 'string', describe: 'Disk to capture (e.g. /dev/sda), unmounted; or an image file', demandOption: true })
    .option('server', { type: 'string', describe: 'DP base URL, e.g. http://10.0.0.5:8080', demandOption: true })
    .option('name', { type: 'string', describe: 'Name of the new image on the DP', demandOption: true })
    .option('token', { type: 'string', describe: "The DP's capture token (or its admin token) (default: $CASTPOINT_TOKEN)" })
    .option('chunk-size', { type: 'number', describe: 'Chunk size in bytes (a multiple of 512)', default: 1048576 })
    .option('json', { type: 'boolean', describe: 'One JSON line per event instead of text' })
    .strictOptions();
}

function toRawCaptureArgs(args: Record<string, unknown>): RawCaptureArgs {
  return { source: args['source'], server: args['server'], name: args['name'], token: args['token'], chunkSize: args['chunk-size'], json: args['json'] };
}

const EPILOG = [
  'Exit codes:',
  ...Object.entries(EXIT_CODE_DOCS).map(([code, doc]) => `  ${code}  ${doc}`),
  '',
  'The token may also come from the CASTPOINT_TOKEN environment variable.',
  'On a terminal: a header, a status line within 80 columns and a verdict; with --json or when stdout is not a terminal, one JSON line per second.',
].join('\n');

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** yargs' result as the validator's input (validateDeployOptions checks every value). */
function toRawArgs(args: Record<string, unknown>): RawDeployArgs {
  return {
    server: args['server'],
    image: args['image'],
    target: args['target'],
    interface: args['interface'],
    token: args['token'],
    serverFingerprint: args['server-fingerprint'],
    stateDir: args['state-dir'],
    json: args['json'],
    // yargs turns --no-fallback into fallback=false (boolean negation).
    noFallback: args['fallback'] === false,
    silenceTimeout: args['silence-timeout'],
    dpPatience: args['dp-patience'],
    readBack: args['read-back'],
    directIo: args['direct-io'],
    verbose: args['verbose'],
    stagingDir: args['staging-dir'],
  };
}

/** The deploy command's options (a contract: scripts and docs use these names). */
function deployOptions<T>(y: Argv<T>) {
  return tuningOptions(
    y
      .option('server', { type: 'string', describe: 'DP base URL, e.g. http://10.0.0.5:8080', demandOption: true })
      .option('image', { type: 'string', describe: 'Image name on the DP', demandOption: true })
      .option('target', { type: 'string', describe: 'File or raw disk to write (e.g. /dev/sda, \\\\.\\PhysicalDrive0)', demandOption: true })
      .option('interface', { type: 'string', describe: 'Interface to receive multicast on, by name (eth0) or IPv4 address (default: the one on the DP\'s subnet)' })
      .option('token', { type: 'string', describe: 'Client token (default: $CASTPOINT_TOKEN)' })
      .option('server-fingerprint', { type: 'string', describe: "SHA-256 of the DP's TLS certificate (its start line prints it): only that certificate is accepted" })
      .option('state-dir', { type: 'string', describe: 'Where the resume journal lives (default: beside the target)' })
      .option('staging-dir', { type: 'string', describe: 'WIM images: where the WIM is received before it is applied to the disk (default: STATE_DIR.staging)' }),
  );
}

/** How a deploy runs, shared by `deploy` and `run` (same names, defaults and checks). */
function tuningOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', describe: 'One JSON progress line per second instead of a progress bar' })
    .option('fallback', {
      type: 'boolean',
      default: true,
      describe: 'Download from the DP by unicast when multicast cannot finish (the image allows it); --no-fallback never does',
    })
    .option('silence-timeout', { type: 'number', describe: 'Seconds of multicast silence before re-asking the DP / falling back', default: 15 })
    .option('read-back', { type: 'boolean', describe: 'Read the whole image back from the target at the end and check its SHA-256 (always done after a resume)' })
    .option('direct-io', {
      type: 'boolean',
      default: true,
      describe: 'Write whole chunks past the page cache (O_DIRECT) where the target allows it (Linux); --no-direct-io writes through the cache',
    })
    .option('verbose', { type: 'boolean', describe: 'Also show details for logs on the terminal (how the chunks were written); --json always has them' })
    .option('dp-patience', { type: 'number', describe: 'Seconds to keep retrying a DP that does not answer, then exit 3', default: 600 })
    .strictOptions()
    .epilog(EPILOG);
}

/** `run`'s options: deploy's tuning ones, no --image or --target, plus --disk; --server may come from the kernel. */
function runOptions<T>(y: Argv<T>) {
  return tuningOptions(
    y
      .option('server', { type: 'string', describe: 'DP base URL (default: castpoint.server= on the kernel command line)' })
      .option('token', { type: 'string', describe: 'Client token (default: $CASTPOINT_TOKEN, then castpoint.token= on the kernel command line)' })
      .option('server-fingerprint', { type: 'string', describe: "SHA-256 of the DP's TLS certificate (default: castpoint.fingerprint= on the kernel command line): only that certificate is accepted" })
      .option('disk', { type: 'string', describe: "Disk selector overriding the deployment's: first-fixed, serial:X, wwn:X, model:GLOB, size:MIN-MAX, path:/dev/X" })
      .option('choose', { type: 'string', describe: 'Run this available deployment (castpoint-dp deployment list) when no required one is pending' })
      .option('state-dir', { type: 'string', describe: 'Where the resume journal lives (default: /var/lib/castpoint-agent)' })
      .option('interface', { type: 'string', describe: 'Interface to receive multicast on, by name (eth0) or IPv4 address (default: the one on the DP\'s subnet)' }),
  );
}

/** `refresh`'s options: an installed machine asks to be deployed again and network-boots. */
function refreshOptions<T>(y: Argv<T>) {
  return y
    .option('server', { type: 'string', describe: 'DP base URL, e.g. http://10.0.0.5:8080', demandOption: true })
    .option('token', { type: 'string', describe: 'Client token (default: $CASTPOINT_TOKEN)' })
    .option('server-fingerprint', { type: 'string', describe: "SHA-256 of the DP's TLS certificate (its start line prints it): only that certificate is accepted" })
    .option('deployment', { type: 'string', describe: 'The deployment to re-arm when several target this machine' })
    .option('reboot', { type: 'boolean', default: true, describe: 'Reboot at the end; --no-reboot re-arms and sets the next boot, and prints the reboot it would run' })
    .option('json', { type: 'boolean', describe: 'One JSON line per step' })
    .strictOptions()
    .epilog(EPILOG);
}

/** yargs' result as run's validator takes it. */
function toRawRunArgs(args: Record<string, unknown>): RawRunArgs {
  const { image: _i, target: _t, ...rest } = toRawArgs(args);
  return { ...rest, disk: args['disk'], choose: args['choose'] };
}

/**
 * The usual run, `deploy` and its options without --help or --version, is parsed without a yargs
 * command: yargs gives every command a handler and, after running it, renders and caches the whole
 * help text in case the handler fails. That rendering (string widths through Intl.Segmenter) was
 * ~20 ms of an agent's ~100 ms cold start, paid by every agent booting at once on a shared LAN.
 * Everything else (help, version, no or another command) goes through the full parser.
 */
function isPlainDeploy(argv: readonly string[]): boolean {
  return argv[0] === 'deploy' && !argv.some((a) => a === '--help' || a === '-h' || a === '--version');
}

function fullParser(argv: readonly string[], onFail: (msg: string) => void) {
  return yargs()
    .scriptName('castpoint-agent')
    .usage('$0 deploy --server URL --image NAME --target PATH [options]\n$0 run --server URL [--disk SELECTOR] [options]\n$0 refresh --server URL [--server-fingerprint SHA256] [--deployment NAME] [--no-reboot] [--json]')
    .command('deploy', 'Receive an image from a castpoint DP and write it to a file or disk', (y) => deployOptions(y))
    .command('run', 'Ask the DP what this machine is to do, and do it (deploy, script, report, reboot)', (y) => runOptions(y))
    .command('capture', 'Read a reference disk and upload its used blocks to the DP as a new image', (y) => captureOptions(y))
    .command('refresh', "On an installed machine: have the DP re-arm this machine's deployment, make the next boot a network boot, reboot", (y) => refreshOptions(y))
    .demandCommand(1, 'Give a command: deploy, run, capture or refresh.')
    .strict()
    .epilog(EPILOG)
    .help()
    .alias('help', 'h')
    .version(AGENT_VERSION)
    // Wrapping is only worth its cost when help is shown.
    .wrap(wantsHelp(argv) ? Math.min(100, process.stdout.columns ?? 100) : null)
    .exitProcess(false)
    .fail((msg, err) => onFail(msg || err?.message || 'invalid command line'));
}

/** `deploy`'s options alone (argv without the command word): same names, checks and messages. */
function deployParser(onFail: (msg: string) => void) {
  return deployOptions(yargs().scriptName('castpoint-agent deploy'))
    .strict()
    .help(false)
    .version(false)
    .wrap(null)
    .exitProcess(false)
    .fail((msg, err) => onFail(msg || err?.message || 'invalid command line'));
}

/**
 * The options a parser declares, as unknown-options.ts takes them. getOptions() is public in
 * yargs' docs but missing from @types/yargs; agent-package.test.ts checks the suggestion end to end.
 */
function knownOptions(parser: unknown): KnownOptions {
  const o = (parser as { getOptions(): { key: Record<string, unknown>; boolean: string[] } }).getOptions();
  return { names: Object.keys(o.key), booleans: o.boolean };
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  deploy: DeployRunner,
  runner: RunRunner,
  capture: CaptureRunner,
  refresher: RefreshRunner,
): Promise<ExitCode> {
  let usageError: string | undefined;
  let chosen: RawDeployArgs | undefined;
  let chosenRun: RawRunArgs | undefined;
  let captureArgs: RawCaptureArgs | undefined;
  let chosenRefresh: RawRefreshArgs | undefined;
  const onFail = (msg: string): void => {
    usageError ??= msg;
  };
  let helpText = '';
  try {
    if (isPlainDeploy(argv)) {
      const parser = deployParser(onFail);
      const args = await parser.parseAsync(argv.slice(1));
      // A mistyped option first: yargs reports the required option it hid ("Missing required
      // argument: target" for --targt) and names unknown ones without dashes or a suggestion.
      if (usageError !== undefined) usageError = describeUnknownOptions(argv.slice(1), knownOptions(parser)) ?? usageError;
      else chosen = toRawArgs(args);
    } else {
      const args = await fullParser(argv, onFail).parseAsync([...argv], {}, (_e: unknown, _argv: unknown, output: string) => {
        helpText = output;
      });
      if (usageError === undefined && !helpText && args._[0] === 'deploy') chosen = toRawArgs(args);
      if (usageError === undefined && !helpText && args._[0] === 'run') chosenRun = toRawRunArgs(args);
      if (usageError === undefined && !helpText && args._[0] === 'capture') captureArgs = toRawCaptureArgs(args);
      if (usageError === undefined && !helpText && args._[0] === 'refresh') {
        chosenRefresh = { server: args['server'], token: args['token'], serverFingerprint: args['server-fingerprint'], deployment: args['deployment'], reboot: args['reboot'], json: args['json'] };
      }
    }
  } catch (err) {
    usageError ??= err instanceof Error ? err.message : String(err);
  }
  if (usageError !== undefined) {
    // yargs' messages end without a full stop ("Unknown argument: bogus"): one sentence each.
    const said = usageError.trim();
    const e = new AgentError('usage', `${said}${/[.!?]$/.test(said) ? '' : '.'} Run castpoint-agent --help for usage`);
    io.err(`${formatError(e, EXIT.usage)}\n`);
    return EXIT.usage;
  }
  const chosenRunner = chosenRun !== undefined ? () => runner(chosenRun) : chosenRefresh !== undefined ? () => refresher(chosenRefresh) : undefined;
  if (chosenRunner !== undefined) {
    try {
      return await chosenRunner();
    } catch (err) {
      const e = err instanceof AgentError ? err : new AgentError('internal', String(err));
      io.err(`${formatError(e, exitCodeOf(e))}\n`);
      return exitCodeOf(e);
    }
  }
  if (captureArgs !== undefined) {
    try {
      return await capture(validateCaptureOptions(captureArgs, { env: io.env, stdoutIsTty: io.stdoutIsTty, cwd: io.cwd }));
    } catch (err) {
      const e = err instanceof AgentError ? err : new AgentError('usage', String(err));
      io.err(`${formatError(e, exitCodeOf(e))}\n`);
      return exitCodeOf(e);
    }
  }
  if (chosen === undefined) {
    // --help or --version: yargs rendered it into helpText.
    if (helpText) io.out(`${helpText}\n`);
    return EXIT.ok;
  }
  let opts: DeployOptions;
  try {
    opts = validateDeployOptions(chosen, { env: io.env, stdoutIsTty: io.stdoutIsTty, cwd: io.cwd });
  } catch (err) {
    const e = err instanceof AgentError ? err : new AgentError('usage', String(err));
    io.err(`${formatError(e, exitCodeOf(e))}\n`);
    return exitCodeOf(e);
  }
  return deploy(opts);
}
