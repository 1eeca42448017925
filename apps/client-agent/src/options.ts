// Validates the deploy command's options into a typed value. Kept apart from yargs (ESM-only, not
// loadable by jest) so every rule here is unit-tested; the CLI module only collects raw strings.
import { isIP } from 'node:net';
import path from 'node:path';
import { AgentError } from './errors';
import { normalizeFingerprint } from '@castpoint/wire';
import { printable } from './output/printable';
import { isWindowsDiskTarget } from './raw-disk-path';

export type OutputMode = 'tty' | 'json';

export interface DeployOptions {
  /** DP base URL, e.g. http://10.0.0.5:8080 (no trailing slash). */
  readonly server: string;
  readonly image: string;
  /** File or raw disk to write the image to (absolute). */
  readonly target: string;
  /** Name (eth0) or IPv4 address of the interface to join the group on; undefined: pick by the DP's subnet. */
  readonly interface?: string;
  readonly token?: string;
  /** The DP's TLS certificate's SHA-256 (64 hex digits) to pin; https only. */
  readonly serverFingerprint?: string;
  /** Where the journal and agent state live (absolute). @default beside the target */
  readonly stateDir: string;
  /** True when --state-dir was given (a disk target requires it). */
  readonly stateDirGiven: boolean;
  readonly output: OutputMode;
  /** Never fall back to unicast, even when the DP allows it. @default false */
  readonly noFallback: boolean;
  /** Multicast silence after which the agent re-asks the DP and may fall back, ms. @default 15000 */
  readonly silenceTimeoutMs: number;
  /** How long the agent keeps trying a DP that does not answer before exit 3, ms. @default 600000 */
  readonly dpPatienceMs: number;
  /** Read the whole image back at the end even on a fresh run (a resumed run always does). @default false */
  readonly readBack: boolean;
  /** Write whole chunks by direct I/O where the target allows it. @default true */
  readonly directIo: boolean;
  /** Show details for logs (how the chunks were written) on the terminal too. @default false */
  readonly verbose: boolean;
  /**
   * Where a WIM image is received before it is applied to the target disk (absolute); checked for
   * space before a byte. @default beside the state dir: STATE_DIR.staging
   */
  readonly stagingDir: string;
}

/** What the CLI collected; strings as typed, undefined when absent. */
export interface RawDeployArgs {
  server?: unknown;
  image?: unknown;
  target?: unknown;
  interface?: unknown;
  token?: unknown;
  serverFingerprint?: unknown;
  stateDir?: unknown;
  json?: unknown;
  noFallback?: unknown;
  silenceTimeout?: unknown;
  dpPatience?: unknown;
  readBack?: unknown;
  directIo?: unknown;
  verbose?: unknown;
  stagingDir?: unknown;
}

export interface OptionContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTty: boolean;
  readonly cwd: string;
  /** Which system's paths --target follows. @default process.platform */
  readonly platform?: NodeJS.Platform;
}

export const DEFAULT_SILENCE_TIMEOUT_MS = 15_000;
export const DEFAULT_DP_PATIENCE_MS = 600_000;

export function validateDeployOptions(raw: RawDeployArgs, ctx: OptionContext): DeployOptions {
  const server = normalizeServer(requireString(raw.server, '--server'));
  const image = requireString(raw.image, '--image');
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(image)) {
    throw usage(`--image must be 1 to 128 letters, digits, dots, dashes or underscores, got "${image}".`);
  }
  const targetRaw = requireString(raw.target, '--target');
  // By the name as typed: resolved on Linux, \\.\X: would become a file under the cwd.
  const windowsDisk = isWindowsDiskTarget(targetRaw, ctx.platform ?? process.platform);
  const target = windowsDisk ? targetRaw.trim() : path.resolve(ctx.cwd, targetRaw);
  if (windowsDisk && raw.stateDir === undefined) {
    throw usage(`Writing to the disk ${target} needs --state-dir on persistent media (a USB stick or another disk, e.g. D:\\castpoint), so the resume journal survives a reboot.`);
  }
  const iface = optionalString(raw.interface, '--interface');
  if (iface !== undefined && !isInterfaceWord(iface)) {
    throw usage(`--interface must be a local interface's name (eth0, "Ethernet 2") or its IPv4 address, got "${printable(iface)}".`);
  }
  const token = optionalString(raw.token, '--token') ?? nonEmpty(ctx.env['CASTPOINT_TOKEN']);
  const serverFingerprint = fingerprintOption(raw.serverFingerprint, server);
  const stateDirRaw = optionalString(raw.stateDir, '--state-dir');
  const stateDir = stateDirRaw === undefined ? defaultStateDir(target) : path.resolve(ctx.cwd, stateDirRaw);
  const stagingDirRaw = optionalString(raw.stagingDir, '--staging-dir');
  const stagingDir = stagingDirRaw === undefined ? `${stateDir}.staging` : path.resolve(ctx.cwd, stagingDirRaw);
  const output: OutputMode = raw.json === true || !ctx.stdoutIsTty ? 'json' : 'tty';
  return {
    server,
    image,
    target,
    ...(iface === undefined ? {} : { interface: iface }),
    ...(token === undefined ? {} : { token }),
    ...(serverFingerprint === undefined ? {} : { serverFingerprint }),
    stateDir,
    stateDirGiven: stateDirRaw !== undefined,
    output,
    noFallback: raw.noFallback === true,
    silenceTimeoutMs: seconds(raw.silenceTimeout, '--silence-timeout', DEFAULT_SILENCE_TIMEOUT_MS),
    dpPatienceMs: seconds(raw.dpPatience, '--dp-patience', DEFAULT_DP_PATIENCE_MS),
    readBack: raw.readBack === true,
    directIo: raw.directIo !== false,
    verbose: raw.verbose === true,
    stagingDir,
  };
}

/**
 * The journal lives beside the target so that running the same command again finds it. For a raw
 * disk (/dev/sda) that is /dev, which does not survive a reboot: docs/agent.md says to pass
 * --state-dir on persistent media there.
 */
export function defaultStateDir(target: string): string {
  return path.join(path.dirname(target), `.castpoint-${path.basename(target)}.state`);
}

/** --server-fingerprint: the SHA-256 the DP printed (AB:CD:... or plain hex), only with an https:// server. */
function fingerprintOption(raw: unknown, server: string): string | undefined {
  const text = optionalString(raw, '--server-fingerprint');
  if (text === undefined) return undefined;
  const fp = normalizeFingerprint(text);
  if (fp === undefined) throw usage(`--server-fingerprint must be a SHA-256 fingerprint: 64 hex digits, with or without colons (as the DP's start line prints it), got "${printable(text)}".`);
  if (!server.startsWith('https://')) throw usage(`--server-fingerprint pins the DP's TLS certificate: give an https:// --server (got ${server}).`);
  return fp;
}

export function normalizeServer(s: string): string {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw usage(`--server must be a URL such as http://10.0.0.5:8080, got "${s}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(`--server must be an http:// or https:// URL, got "${s}".`);
  }
  // The DP's API sits at the root of its address: a path would be dropped without a word (a typo
  // that still works, or a reverse-proxy prefix that silently is not used).
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw usage(`--server must be the DP's address without a path, such as http://10.0.0.5:8080, got "${s}".`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * An IPv4 address or something that can be an interface's name: Linux names are up to 15 bytes,
 * Windows ones ("Ethernet 2", "vEthernet (Default Switch)") longer and with spaces. An IPv6 address
 * is refused here: multicast is joined on IPv4. Whether it exists is checked against the machine.
 */
function isInterfaceWord(s: string): boolean {
  if (isIP(s) === 4) return true;
  // eslint-disable-next-line no-control-regex
  return isIP(s) === 0 && s.length <= 256 && !/[\u0000-\u001f\u007f-\u009f]/.test(s);
}

export function requireString(v: unknown, name: string): string {
  const s = optionalString(v, name);
  if (s === undefined) throw usage(`${name} is required.`);
  return s;
}

export function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) throw usage(`${name} was given more than once.`);
  if (typeof v !== 'string' && typeof v !== 'number') throw usage(`${name} needs a value.`);
  const s = String(v).trim();
  if (s === '') throw usage(`${name} needs a value.`);
  return s;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function seconds(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  // Kept in whole ms: below 0.001 s it would round to 0 and mean "give up at once".
  if (!Number.isFinite(n) || n < 0.001 || n > 86_400) throw usage(`${name} must be a number of seconds from 0.001 to 86400, got ${String(v)}.`);
  return Math.round(n * 1000);
}

function usage(message: string): AgentError {
  return new AgentError('usage', message);
}
