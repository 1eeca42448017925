import { randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { collect, waitForLine, type Collected, type Host } from '@castpoint/netlab';
import type { Fabric } from './fabric';
import { bundlesIn } from './castpoint-build';

/** Extra node flags for the DP and agents (e.g. CASTPOINT_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"). */
function nodeFlags(): string[] {
  return (process.env['CASTPOINT_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
}

/** Paths of the built apps (npm run build). */
export function appBundles(root = path.resolve(__dirname, '../../..')): { dp: string; agent: string } {
  return bundlesIn(path.join(root, 'dist'));
}

export interface RunningDp {
  readonly url: string;
  readonly adminToken: string;
  readonly clientToken: string;
  readonly proc: ChildProcess;
  readonly ended: Promise<Collected>;
  /** The castpoint-dp bundle it runs (its admin CLI is run from the same one). */
  readonly bundle: string;
  /** The node it runs on (its admin CLI too). */
  readonly node: string;
}

/**
 * Starts castpoint-dp on `host` with fixed tokens, and waits until it listens.
 * `bundle`: another build's castpoint-dp (default: this checkout's). `readyTimeoutMs`: how long it
 * may take to answer (default 180 s: the store opens at start, and on a loaded 2-core box PGlite took
 * from 20 s to over a minute).
 */
export async function startDp(
  lan: Fabric,
  host: Host,
  opts: { dataDir: string; port?: number; maxRate?: string; extra?: string[]; adminToken?: string; clientToken?: string; bundle?: string; node?: string; readyTimeoutMs?: number },
): Promise<RunningDp> {
  const bundle = opts.bundle ?? appBundles().dp;
  const node = opts.node ?? process.execPath;
  const port = opts.port ?? 8080;
  const adminToken = opts.adminToken ?? randomBytes(16).toString('hex');
  const clientToken = opts.clientToken ?? randomBytes(16).toString('hex');
  const args = [
    ...nodeFlags(),
    bundle, 'serve',
    '--data-dir', opts.dataDir,
    '--listen', `${host.ip}:${port}`,
    '--mcast-interface', host.ip,
    '--admin-token', adminToken,
    '--client-token', clientToken,
    ...(opts.maxRate ? ['--max-rate', opts.maxRate] : []),
    ...(opts.extra ?? []),
  ];
  const proc = lan.spawn(host, node, args);
  const ended = collect(proc, 3_600_000);
  const url = `http://${host.ip}:${port}`;
  try {
    // 180 s by default, not 20: on this 2-core box at load 20-38 (2026-12-06) the DP's start
    // (PGlite) took over 20 s, and at times over 60 s: castpoint runs of a bench failed before
    // their clock started.
    await waitForHttp(lan, host, `${url}/healthz`, opts.readyTimeoutMs ?? 180_000, ended);
  } catch (err) {
    // A DP that never answered is nobody's to stop later: stop it here, or it outlives the run.
    proc.kill('SIGKILL');
    await ended.catch(() => undefined);
    throw err;
  }
  return { url, adminToken, clientToken, proc, ended, bundle, node };
}

/** Polls an URL from inside `host` until it answers (curl), or fails when `ended` settles first. */
async function waitForHttp(lan: Fabric, host: Host, url: string, timeoutMs: number, ended: Promise<Collected>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead: Collected | undefined;
  void ended.then((c) => (dead = c));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`castpoint-dp exited (code ${String(dead.code)}): ${dead.stderr.slice(-2000)}${dead.stdout.slice(-2000)}`);
    const r = await collect(lan.spawn(host, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', url]), 10_000);
    if (r.stdout.trim() !== '000' && r.stdout.trim() !== '') return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`castpoint-dp did not answer at ${url} within ${timeoutMs} ms`);
}

/**
 * Puts `file` where a DP on `dataDir` imports from by default (DATA_DIR/images, its image root) and
 * returns that path: a hard link (a copy across file systems). Builds from before image roots take
 * any path, so the same call serves them too (castpoint@DIR).
 */
export function placeImage(dataDir: string, file: string): string {
  const dir = path.join(dataDir, 'images');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const placed = path.join(dir, path.basename(file));
  try {
    linkSync(file, placed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(file, placed);
  }
  return placed;
}

/** Runs a castpoint-dp admin CLI command against a running DP (from the DP's host). */
export async function dpCli(lan: Fabric, dp: RunningDp, args: string[]): Promise<Collected> {
  return collect(lan.spawn(lan.server, dp.node, [dp.bundle, ...args, '--server', dp.url, '--token', dp.adminToken]), 600_000);
}

/**
 * Starts castpoint-agent deploy on `host` with JSON progress lines (`bundle`: another build's agent),
 * on the node its DP runs on: a build is compared with another on one runtime at both ends.
 */
export function startAgent(lan: Fabric, host: Host, dp: RunningDp, opts: { image: string; target: string; stateDir?: string; extra?: string[]; bundle?: string }): ChildProcess {
  // Each agent gets its own UTS namespace named after its host, as separate machines have their
  // own host names (the DP shows them; the agent reports os.hostname()).
  return lan.spawn(host, 'unshare', ['-u', 'sh', '-c', 'hostname "$0" && exec "$@"', host.name, dp.node,
    ...nodeFlags(),
    opts.bundle ?? appBundles().agent, 'deploy',
    '--server', dp.url,
    '--image', opts.image,
    '--target', opts.target,
    '--interface', host.ip,
    '--token', dp.clientToken,
    '--json',
    ...(opts.stateDir ? ['--state-dir', opts.stateDir] : []),
    ...(opts.extra ?? []),
  ]);
}

export { waitForLine };
