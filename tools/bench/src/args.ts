// The benchmark's command line: which cases (receivers x loss x link) and which tools.
import { castpointBuild, type CastpointBuild } from './castpoint-build';

export interface Case {
  readonly receivers: number;
  readonly loss: number;
  readonly linkBps?: number;
}

/**
 * The command line. `ownDist` is this checkout's dist directory (plain `castpoint`), `peers` the
 * other tools' names (the runners the CLI has).
 */
export function parseArgs(argv: string[], ownDist: string, peers: readonly string[]): { cases: Case[]; sizeMiB: number; tools: string[]; repeat: number; builds: Map<string, CastpointBuild> } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const receivers = (get('receivers') ?? '1,4,8').split(',').map(Number);
  const losses = (get('loss') ?? '0,0.01,0.05').split(',').map(Number);
  const links = (get('link') ?? '500mbit,none').split(',');
  const tools = (get('tools') ?? 'castpoint,udpcast,uftp,http').split(',');
  // Every tool is checked before any LAN is made: a typo must not surface an hour into a matrix.
  const builds = new Map<string, CastpointBuild>();
  for (const t of tools) {
    const b = castpointBuild(t, ownDist);
    if (b) builds.set(t, b);
    else if (!peers.includes(t)) throw new Error(`unknown tool ${t} (castpoint, castpoint@DIST_DIR, ${peers.join(', ')})`);
  }
  const cases: Case[] = [];
  for (const link of links) {
    for (const r of receivers) {
      for (const loss of losses) {
        cases.push({ receivers: r, loss, ...(link === 'none' ? {} : { linkBps: parseRate(link) }) });
      }
    }
  }
  const repeat = Number(get('repeat') ?? '1');
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new Error(`--repeat must be an integer from 1 to 20, got ${get('repeat') ?? ''}`);
  return { cases, sizeMiB: Number(get('size-mib') ?? '200'), tools, repeat, builds };
}

export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|m|g)bit$/.exec(s);
  if (!m) throw new Error(`bad link rate ${s} (use e.g. 500mbit)`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2] as 'k' | 'm' | 'g'];
}
