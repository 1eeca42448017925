// The `run` command's options (issue 24): the server and token may come from the kernel command
// line of a boot environment (`castpoint.server=`, `castpoint.token=`, and the DP's TLS certificate
// pin `castpoint.fingerprint=`) when no flag gives them.
// The deploy tuning flags are checked by deploy's own validator, so both commands take the same
// values with the same messages.
import path from 'node:path';
import { parseDiskSelector } from '@castpoint/chunking';
import { AgentError } from '../errors';
import { validateDeployOptions, type DeployOptions, type OptionContext, type OutputMode, type RawDeployArgs } from '../options';

/** What the CLI collected for `run`: deploy's tuning options, without an image or a target. */
export interface RawRunArgs extends Omit<RawDeployArgs, 'image' | 'target'> {
  disk?: unknown;
  choose?: unknown;
}

export interface RunOptions {
  /** DP base URL, from --server or castpoint.server= (no trailing slash). */
  readonly server: string;
  readonly token?: string;
  /** --server-fingerprint or castpoint.fingerprint=: the SHA-256 of the DP's TLS certificate, pinned. */
  readonly serverFingerprint?: string;
  /** --disk: overrides the deployment's disk selector. */
  readonly disk?: string;
  /** --choose: an `available` deployment picked at the machine (the DP decides whether it may run). */
  readonly choose?: string;
  /** Where the resume journal lives (absolute). @default ROOT/var/lib/castpoint-agent */
  readonly stateDir: string;
  readonly output: OutputMode;
  /** --dp-patience, ms: how long the DP's assignment and report are retried. */
  readonly dpPatienceMs: number;
  /** The tuning flags as given, passed to deploy's validator with the DP's image and the chosen disk. */
  readonly deployArgs: RawRunArgs;
}

export interface RunContext extends OptionContext {
  /** The kernel command line (/proc/cmdline), or undefined where there is none (Windows, a test). */
  readonly cmdline: string | undefined;
  /** The file system root the machine's /sys, /dev and /var are read under: `/`; a fake tree in tests. */
  readonly root: string;
}

export const DEFAULT_RUN_STATE_DIR = 'var/lib/castpoint-agent';

/**
 * `castpoint.server=` and `castpoint.token=` from a kernel command line. Values may be quoted
 * ("castpoint.token=\"a b\"" as GRUB and iPXE pass it); the last of a repeated key wins, as in the
 * kernel's own parsing of its parameters.
 */
export function kernelArgs(cmdline: string): { server?: string; token?: string; fingerprint?: string } {
  const out: { server?: string; token?: string; fingerprint?: string } = {};
  for (const m of cmdline.matchAll(/(?:[^\s"]+|"[^"]*")+/g)) {
    const word = m[0].replace(/"/g, '');
    const eq = word.indexOf('=');
    if (eq < 0) continue;
    const [key, value] = [word.slice(0, eq), word.slice(eq + 1)];
    if (value === '') continue;
    if (key === 'castpoint.server') out.server = value;
    if (key === 'castpoint.token') out.token = value;
    if (key === 'castpoint.fingerprint') out.fingerprint = value;
  }
  return out;
}

export function validateRunOptions(raw: RawRunArgs, ctx: RunContext): RunOptions {
  const kernel = ctx.cmdline === undefined ? {} : kernelArgs(ctx.cmdline);
  const serverRaw = raw.server ?? kernel.server;
  if (serverRaw === undefined) throw new AgentError('usage', '--server is required (or castpoint.server=URL on the kernel command line).');
  // A token flag first, then CASTPOINT_TOKEN (deploy's rule), then the kernel's.
  const envToken = ctx.env['CASTPOINT_TOKEN']?.trim();
  const tokenRaw = raw.token ?? (envToken ? undefined : kernel.token);
  const fingerprintRaw = raw.serverFingerprint ?? kernel.fingerprint;
  const diskRaw = raw.disk;
  if (diskRaw !== undefined) {
    if (typeof diskRaw !== 'string' || diskRaw.trim() === '') throw new AgentError('usage', '--disk needs a selector such as path:/dev/sdb.');
    const parsed = parseDiskSelector(diskRaw);
    if ('error' in parsed) throw new AgentError('usage', `--disk: ${parsed.error}.`);
  }
  const choose = raw.choose;
  if (choose !== undefined && (typeof choose !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(choose))) {
    throw new AgentError('usage', `--choose needs a deployment's name (1 to 63 letters, digits, dots, dashes or underscores), got ${JSON.stringify(choose)}.`);
  }
  const stateDir = typeof raw.stateDir === 'string' && raw.stateDir.trim() !== '' ? path.resolve(ctx.cwd, raw.stateDir.trim()) : path.join(ctx.root, DEFAULT_RUN_STATE_DIR);
  const deployArgs: RawRunArgs = {
    ...raw,
    server: serverRaw,
    ...(tokenRaw === undefined ? {} : { token: tokenRaw }),
    ...(fingerprintRaw === undefined ? {} : { serverFingerprint: fingerprintRaw }),
    stateDir,
  };
  // Every tuning value checked now, before the DP is asked, by deploy's rules (the image and the
  // disk are not known yet: stand-ins that always pass take their place).
  const checked = validateDeployOptions({ ...deployArgs, image: 'run', target: path.join(stateDir, 'target') }, ctx);
  return {
    server: checked.server,
    ...(checked.token === undefined ? {} : { token: checked.token }),
    ...(checked.serverFingerprint === undefined ? {} : { serverFingerprint: checked.serverFingerprint }),
    ...(typeof diskRaw === 'string' ? { disk: diskRaw.trim() } : {}),
    ...(typeof choose === 'string' ? { choose } : {}),
    stateDir,
    output: checked.output,
    dpPatienceMs: checked.dpPatienceMs,
    deployArgs,
  };
}

/**
 * The deploy `run` starts: exactly the options `deploy --image IMAGE --target DISK` would get with
 * the same flags. The state dir is always "given" (a disk needs one; a failed run keeps its journal
 * there so the next boot resumes).
 */
export function deployOptionsFor(opts: RunOptions, image: string, target: string, ctx: OptionContext): DeployOptions {
  return validateDeployOptions({ ...opts.deployArgs, image, target }, ctx);
}
