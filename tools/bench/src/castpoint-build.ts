// Which castpoint the benchmark runs. `castpoint` is this checkout's build (npm run build);
// `castpoint@DIR` is another build's dist directory, so that two builds can take turns in the
// same LAN with --repeat (A B A B ...): on this 2-core box single runs vary by 4-5%, and a change
// worth less than that can only be judged from alternated runs of both builds. A dist directory
// with an executable named `node` in it runs on that node instead of the bench's own, so that two
// runtimes can take turns the same way (the move to Node 22 was measured so, docs/benchmarks.md).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export interface CastpointBuild {
  /** The tool's name in the table: `castpoint` or `castpoint@DIR` as given. */
  readonly tool: string;
  /** castpoint-dp's bundle. */
  readonly dp: string;
  /** castpoint-agent's bundle. */
  readonly agent: string;
  /** The node the DP and the agents run on: DIST/node where there is one (default: the bench's own). */
  readonly node?: string;
  /**
   * `castpoint+default-cap`: the DP runs without --max-rate (its default cap, 1 Gbit/s) instead of
   * a cap hand-tuned to 95% of the shaped link: what its rate control finds by itself (issue 29.5).
   */
  readonly defaultCap?: boolean;
  /**
   * `...+warm-dp`: the DP sends a small image to the same receivers first, untimed, so that the
   * timed session runs on a DP whose code V8 has already compiled (its JavaScript and PGlite's
   * WebAssembly), as on a DP that has served sessions before: a fresh DP spent about a fifth of
   * its CPU during the first session on compiling (docs/benchmarks.md, session 16).
   */
  readonly warmDp?: boolean;
  /**
   * `...+encrypt`: the image is added with --encrypt, so the session's packets are AES-256-GCM
   * sealed instead of HMAC-tagged (what an encrypted deployment costs each end).
   */
  readonly encrypt?: boolean;
}

/** The bundles inside a dist directory (the layout npm run build writes). */
export function bundlesIn(dist: string): { dp: string; agent: string } {
  return {
    dp: path.join(dist, 'apps/dp-server/main.cjs'),
    agent: path.join(dist, 'apps/client-agent/main.cjs'),
  };
}

/** DIST/node when it is an executable file (a link to one counts), else undefined. */
export function runtimeIn(dist: string): string | undefined {
  const node = path.join(dist, 'node');
  try {
    accessSync(node, constants.X_OK);
    return node;
  } catch {
    return undefined;
  }
}

const versions = new Map<string, string>();

/**
 * `node --version` of the runtime a build runs on ("v22.23.3"), or "node ?" when it does not
 * answer; asked once per runtime (every row of a bench names it).
 */
export function runtimeVersion(node: string = process.execPath): string {
  let v = versions.get(node);
  if (v === undefined) {
    const r = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    v = r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : 'node ?';
    versions.set(node, v);
  }
  return v;
}

/**
 * The build a `--tools` entry names, or undefined when the entry is not castpoint. Throws when
 * `castpoint@DIR` does not hold both bundles, so a typo fails before any LAN is made.
 * @param ownDist this checkout's dist directory (for plain `castpoint`)
 */
export function castpointBuild(tool: string, ownDist: string): CastpointBuild | undefined {
  if (tool.endsWith(WARM_DP_SUFFIX) && tool !== WARM_DP_SUFFIX) {
    const base = castpointBuild(tool.slice(0, -WARM_DP_SUFFIX.length), ownDist);
    return base ? { ...base, tool, warmDp: true } : undefined;
  }
  if (tool.endsWith(ENCRYPT_SUFFIX) && tool !== ENCRYPT_SUFFIX) {
    const base = castpointBuild(tool.slice(0, -ENCRYPT_SUFFIX.length), ownDist);
    return base ? { ...base, tool, encrypt: true } : undefined;
  }
  if (tool === 'castpoint') return { tool, ...bundlesIn(ownDist) };
  if (tool === DEFAULT_CAP_TOOL) return { tool, ...bundlesIn(ownDist), defaultCap: true };
  if (!tool.startsWith('castpoint@')) return undefined;
  const dir = tool.slice('castpoint@'.length);
  if (dir === '') throw new Error('castpoint@ needs a dist directory, e.g. castpoint@/tmp/base/dist');
  const b = bundlesIn(path.resolve(dir));
  for (const f of [b.dp, b.agent]) {
    if (!existsSync(f)) throw new Error(`${tool}: ${f} does not exist (build that checkout with npm run build and name its dist directory)`);
  }
  const node = runtimeIn(path.resolve(dir));
  return { tool, ...b, ...(node ? { node } : {}) };
}

/** This checkout's build with the DP's default cap (no --max-rate). */
export const DEFAULT_CAP_TOOL = 'castpoint+default-cap';

/** Appended to any castpoint tool: its DP serves a warm-up session before the timed one. */
export const WARM_DP_SUFFIX = '+warm-dp';

/** Appended to any castpoint tool (before or after +warm-dp): the image is added with --encrypt. */
export const ENCRYPT_SUFFIX = '+encrypt';

/** True for castpoint's own rows (any build): they are never one of the peers. */
export function isCastpoint(tool: string): boolean {
  let t = tool;
  for (let again = true; again; ) {
    again = false;
    for (const suffix of [WARM_DP_SUFFIX, ENCRYPT_SUFFIX]) {
      if (t.endsWith(suffix) && t !== suffix) {
        t = t.slice(0, -suffix.length);
        again = true;
      }
    }
  }
  return t === 'castpoint' || t === DEFAULT_CAP_TOOL || t.startsWith('castpoint@');
}
