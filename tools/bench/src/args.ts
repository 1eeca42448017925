// The benchmark's command line: which cases (receivers x loss x link) and which tools.
import { castpointBuild, type CastpointBuild } from './castpoint-build';

export interface Case {
  readonly receivers: number;
  readonly loss: number;
  readonly linkBps?: number;
  /**
   * The first receiver's own link shaped to this rate (its switch port, toward it): a bottleneck in
   * front of one receiver, where the DP's slow-client policy decides (docs/dp-server.md).
   */
  readonly slowBps?: number;
  /** The LAN's MTU (every host and the bridge) when not the standard 1500: 9000 for jumbo frames. */
  readonly mtu?: number;
}

/** random: the seeded incompressible file; realistic: the Debian + NTFS disk of realimage/. */
export type ImageKind = 'random' | 'realistic';

export interface BenchArgs {
  readonly cases: Case[];
  readonly image: ImageKind;
  readonly sizeMiB: number;
  readonly tools: string[];
  readonly repeat: number;
  readonly builds: Map<string, CastpointBuild>;
  /** Refuse to run on a busy box (idle-check.ts) instead of marking its rows. */
  readonly requireIdle: boolean;
}

/** The options that take a value, with their defaults. */
const DEFAULTS = {
  receivers: '1,4,8',
  loss: '0,0.01,0.05',
  link: '500mbit,none',
  mtu: '1500',
  'slow-receiver': 'none',
  tools: 'castpoint,udpcast,uftp,http',
  'size-mib': '200',
  image: 'random',
  repeat: '1',
} as const;
type Option = keyof typeof DEFAULTS;
/** Options without a value. */
const SWITCHES = ['require-idle'] as const;

const RATE = /^(\d+(?:\.\d+)?)(k|m|g)bit$/;

export function usage(peers: readonly string[]): string {
  return [
    'usage: npm run bench -- [options]   (as root: every case runs in a private namespace LAN)',
    '',
    `  --receivers N[,N...]   receivers per case (1-200)               default ${DEFAULTS.receivers}`,
    `  --loss P[,P...]        random UDP loss at each receiver, 0-0.99 default ${DEFAULTS.loss}`,
    `  --link R[,R...]        server link shaped to R (500mbit), none  default ${DEFAULTS.link}`,
    `  --slow-receiver R[,R...]  the first receiver's port shaped to R (100mbit): a bottleneck in`,
    `                         front of one receiver; every tool's cap is then 95% of the slowest`,
    `                         path, castpoint+default-cap has none  default ${DEFAULTS['slow-receiver']}`,
    `  --mtu M[,M...]         the LAN's MTU, 576-65535 (9000: jumbo frames; castpoint's DP then`,
    `                         picks larger symbols, the peers keep their own sizes) default ${DEFAULTS.mtu}`,
    `  --tools T[,T...]       castpoint, castpoint@DIST_DIR, castpoint+default-cap, ${peers.join(', ')}`,
    `                         (+warm-dp after a castpoint tool: its DP first serves an untimed`,
    `                         session of a 48 MiB image, as a DP that ran before; +encrypt: the`,
    `                         image is added with --encrypt, AES-256-GCM packets; a DIST_DIR`,
    `                         holding an executable \`node\` runs on that node)  default ${DEFAULTS.tools}`,
    `  --size-mib N           image size in MiB (random)               default ${DEFAULTS['size-mib']}`,
    `  --image random|realistic  random: incompressible file of --size-mib; realistic: the Debian`,
    `                         + NTFS disk (tools/bench/src/realimage, cached; castpoint adds it`,
    `                         with --used-blocks, and --compress when the DP has it)  default ${DEFAULTS.image}`,
    `  --repeat N             runs per tool and case, alternated; the median is reported (1-20;`,
    `                         5 or more for CPU per GiB figures worth comparing)`,
    `  --require-idle         refuse to run when the box is busy (load, CPU steal, a starved`,
    `                         spinner: checked before every run); without it such rows say "busy"`,
    '  --help                 this text',
    '',
    'Prints one table, then one JSON line; docs/benchmarks.md explains every column.',
  ].join('\n');
}

/** True when the command line asks for the usage text (checked before anything needs root). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * The command line. `ownDist` is this checkout's dist directory (plain `castpoint`), `peers` the
 * other tools' names (the runners the CLI has). Anything it does not know, or a value out of
 * range, is refused with the reason before any LAN is made.
 */
export function parseArgs(argv: readonly string[], ownDist: string, peers: readonly string[]): BenchArgs {
  const given = new Map<Option, string>();
  let requireIdle = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && (SWITCHES as readonly string[]).includes(name)) {
      requireIdle = true;
      continue;
    }
    if (name === undefined || !(name in DEFAULTS)) throw new Error(`unknown option ${arg} (see --help)`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value (see --help)`);
    given.set(name as Option, value);
    i++;
  }
  const get = (name: Option): string => given.get(name) ?? DEFAULTS[name];
  const receivers = list(get('receivers'), '--receivers', (s) => integerIn(s, 1, 200));
  const losses = list(get('loss'), '--loss', (s) => (/^\d*\.?\d+$/.test(s) && Number(s) < 1 ? Number(s) : undefined), 'a fraction from 0 to 0.99 (0.01 is 1%)');
  const links = list(get('link'), '--link', (s) => (s === 'none' || RATE.test(s) ? s : undefined), 'a rate such as 500mbit or 1gbit, or none');
  const slows = list(get('slow-receiver'), '--slow-receiver', (s) => (s === 'none' || RATE.test(s) ? s : undefined), 'a rate such as 100mbit, or none');
  const mtus = list(get('mtu'), '--mtu', (s) => integerIn(s, 576, 65_535), 'an MTU from 576 to 65535');
  const tools = list(get('tools'), '--tools', (s) => s);
  // Every tool is checked before any LAN is made: a typo must not surface an hour into a matrix.
  const builds = new Map<string, CastpointBuild>();
  for (const t of tools) {
    const b = castpointBuild(t, ownDist);
    if (b) builds.set(t, b);
    else if (!peers.includes(t)) throw new Error(`unknown tool ${t} (castpoint, castpoint@DIST_DIR, ${peers.join(', ')})`);
  }
  const cases: Case[] = [];
  for (const mtu of mtus) {
    for (const link of links) {
      const linkBps = link === 'none' ? undefined : parseRate(link);
      for (const slow of slows) {
        const slowBps = slow === 'none' ? undefined : parseRate(slow);
        for (const r of receivers) {
          for (const loss of losses) cases.push({ receivers: r, loss, ...(linkBps === undefined ? {} : { linkBps }), ...(slowBps === undefined ? {} : { slowBps }), ...(mtu === 1500 ? {} : { mtu }) });
        }
      }
    }
  }
  const repeat = integerIn(get('repeat'), 1, 20);
  if (repeat === undefined) throw new Error(`--repeat must be an integer from 1 to 20, got ${get('repeat')}`);
  const sizeMiB = integerIn(get('size-mib'), 1, 65_536);
  if (sizeMiB === undefined) throw new Error(`--size-mib must be an integer from 1 to 65536, got ${get('size-mib')}`);
  const image = get('image');
  if (image !== 'random' && image !== 'realistic') throw new Error(`--image must be random or realistic, got ${image}`);
  return { cases, image, sizeMiB, tools, repeat, builds, requireIdle };
}

/** A comma-separated list whose every item `parse` accepts; else an error naming the bad item. */
function list<T>(raw: string, option: string, parse: (s: string) => T | undefined, what?: string): T[] {
  return raw.split(',').map((s) => {
    const v = s === '' ? undefined : parse(s);
    if (v === undefined) throw new Error(`${option}: bad value "${s}"${what ? ` (${what})` : ''}`);
    return v;
  });
}

function integerIn(s: string, low: number, high: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= low && n <= high ? n : undefined;
}

/** The slowest path of a case (the server's link or the slow receiver's), undefined when unshaped. */
export function bottleneckBps(c: Pick<Case, 'linkBps' | 'slowBps'>): number | undefined {
  const rates = [c.linkBps, c.slowBps].filter((x): x is number => x !== undefined);
  return rates.length > 0 ? Math.min(...rates) : undefined;
}

export function parseRate(s: string): number {
  const m = RATE.exec(s);
  if (!m) throw new Error(`bad link rate ${s} (use e.g. 500mbit)`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2] as 'k' | 'm' | 'g'];
}
