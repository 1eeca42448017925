// The serve command's settings, merged from the config file, then CASTPOINT_* environment
// variables, then flags (later ones win), and parsed once into typed values.
import { readFileSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { DpError } from '../errors';
import { defaultImageRoot } from '../images/roots';
import {
  parseGroupRange,
  parseIntSetting,
  parseIpv4,
  parseListen,
  parsePortRange,
  parseRate,
  parseToken,
  type Cidr,
  type ListenAddress,
  type PortRange,
} from './parse';
import { readTokenFile } from './token-files';
import { MAX_FIXED_SYMBOL_SIZE, MIN_FIXED_SYMBOL_SIZE, type SymbolSizeSetting } from '../sessions/symbol-size';
import { BOOT_SETTING_NAMES, parseBootSettings, type BootSettings } from '../boot/boot-settings';

/** The setting names, as flags spell them. The config file uses the same names (or camelCase). */
export const SETTING_NAMES = [
  'data-dir',
  'listen',
  'mcast-interface',
  'group-range',
  'port-range',
  'max-rate',
  'start-rate',
  'max-clients',
  'ttl',
  'agent-rate-limit',
  'receiver-silence',
  'symbol-size',
  'admin-token',
  'client-token',
  'admin-token-file',
  'client-token-file',
  'operator-token-file',
  'viewer-token-file',
  'capture-token-file',
  'image-root',
  'tls',
  'tls-cert',
  'tls-key',
  ...BOOT_SETTING_NAMES,
  'database-url',
  'compress-level',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

export type StartRate = 'cap' | 'probe';

export interface ServeSettings {
  /** Directory holding state, manifests and tokens. */
  readonly dataDir: string;
  /** HTTP listener. */
  readonly listen: ListenAddress;
  /** IPv4 address of the interface every session sends multicast from (and receives control on). */
  readonly mcastInterface: string;
  /** Multicast groups sessions are given. @default 239.255.0.0/16 */
  readonly groupRange: Cidr;
  /** UDP ports sessions are given. @default 63000-64000 */
  readonly portRange: PortRange;
  /** Ceiling of every session's send rate, bytes/s. @default 1gbit (125000000) */
  readonly maxRateBps: number;
  /**
   * Where a session's rate starts (`start-rate`): 'cap', at maxRateBps, where the admin says the
   * path carries it (as udp-sender's --max-bitrate); 'probe', at an eighth of it, doubling each
   * rate round until a receiver reports a queue, where the cap may be far above the path (the
   * default 1 Gbit/s). Either way the rate falls at the first queue report. Slower tiers always
   * probe. The setting's `auto` is resolved here: 'cap' when max-rate was set, else 'probe'.
   */
  readonly startRate: StartRate;
  /** Agents receiving by multicast at once, over all sessions. @default 200 */
  readonly maxClients: number;
  /** Multicast TTL (1 keeps packets on the LAN). @default 1 */
  readonly ttl: number;
  /** Agent API requests per minute per source address (429 above it; 0: no limit). @default 60000 */
  readonly agentRateLimit: number;
  /**
   * Seconds a session's receiver may stay silent before the DP drops it from the session (it then
   * asks again or falls back). Slow machines need more: an emulated VM on a busy host went 4-10 s
   * between its once-a-second reports (docs/netboot.md). @default 5
   */
  readonly receiverSilenceSeconds: number;
  /**
   * Bytes of image per data packet: `auto` picks per session the largest that the multicast
   * interface's MTU and every starting agent's MTU allow (1400 at 1500, 8900 with 9000-byte jumbo
   * frames), or a fixed number for every session. @default 'auto'
   */
  readonly symbolSize: SymbolSizeSetting;
  /** Admin token; generated on first start when not given. */
  readonly adminToken?: string;
  /** Client (agent) token; generated on first start when not given. */
  readonly clientToken?: string;
  /** Operator token (from --operator-token-file); else DATA_DIR/operator.token, generated on first start. */
  readonly operatorToken?: string;
  /** Viewer token (from --viewer-token-file); else DATA_DIR/viewer.token, generated on first start. */
  readonly viewerToken?: string;
  /** Capture token (from --capture-token-file); else DATA_DIR/capture.token, generated on first start. */
  readonly captureToken?: string;
  /**
   * Absolute paths of the directories image files may be imported from (and are served from).
   * @default [DATA_DIR/images] (created at start)
   */
  readonly imageRoots: readonly string[];
  /** HTTPS for the API and dashboard (security/tls-files.ts). @default false */
  readonly tls: boolean;
  /** PEM certificate file; with tlsKey. Without them and with tls, one is generated in DATA_DIR. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** The network boot service (`--boot`); undefined: off. */
  readonly boot?: BootSettings;
  /** A PostgreSQL server for the DP's state (postgres://...). @default PGlite in DATA_DIR/db */
  readonly databaseUrl?: string;
  /**
   * zstd level (1-22) of an `image add` that names none, or 'off': images are added raw unless
   * the add asks for compression (docs/chunking.md). @default 3
   */
  readonly compressLevel?: number | 'off';
}

export const SETTING_DEFAULTS: Partial<Record<SettingName, string>> = {
  'group-range': '239.255.0.0/16',
  'port-range': '63000-64000',
  'max-rate': '1gbit',
  'start-rate': 'auto',
  'max-clients': '200',
  ttl: '1',
  'agent-rate-limit': '60000',
  'receiver-silence': '5',
  'symbol-size': 'auto',
};

export function envName(name: SettingName): string {
  return `CASTPOINT_${name.toUpperCase().replace(/-/g, '_')}`;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Reads a JSON config file: an object whose keys are setting names (kebab-case or camelCase). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DpError('DP_BAD_CONFIG_FILE', `cannot read config file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DpError('DP_BAD_CONFIG_FILE', `config file ${path} is not valid JSON: ${(err as Error).message}`, { path }, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DpError('DP_BAD_CONFIG_FILE', `config file ${path} must hold a JSON object`, { path });
  }
  const known = new Map<string, SettingName>();
  for (const n of SETTING_NAMES) {
    known.set(n, n);
    known.set(camel(n), n);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed)) {
    const name = known.get(k);
    if (!name) throw new DpError('DP_BAD_CONFIG_FILE', `config file ${path}: unknown setting "${k}"`, { path, key: k });
    out[name] = v;
  }
  return out;
}

export interface SettingLayers {
  readonly file?: Record<string, unknown>;
  readonly env?: Record<string, string | undefined>;
  /** Flags as given (undefined: not given). Keys are setting names. */
  readonly flags?: Partial<Record<SettingName, unknown>>;
}

/** Merges the layers (file < env < flags < nothing else) and parses every value. */
export function resolveSettings(layers: SettingLayers): ServeSettings {
  const raw = new Map<SettingName, string>();
  /** The settings some layer gave, not left at their default. */
  const given = new Set<SettingName>();
  const set = (n: SettingName, v: string): void => {
    raw.set(n, v);
    given.add(n);
  };
  for (const n of SETTING_NAMES) {
    if (n === 'image-root') continue; // a list: see imageRootsOf
    const d = SETTING_DEFAULTS[n];
    if (d !== undefined) raw.set(n, d);
    const f = layers.file?.[n];
    if (f !== undefined && f !== null) set(n, String(f));
    const e = layers.env?.[envName(n)];
    if (e !== undefined && e !== '') set(n, e);
    const fl = layers.flags?.[n];
    if (fl !== undefined && fl !== null) set(n, String(fl));
  }
  const need = (n: SettingName): string => {
    const v = raw.get(n);
    if (v === undefined || v === '') {
      throw new DpError('DP_BAD_SETTING', `${n} is required (flag --${n}, ${envName(n)} or the config file)`, { setting: n });
    }
    return v;
  };
  const mcastInterface = need('mcast-interface');
  const ifaceBits = parseIpv4(mcastInterface, 'mcast-interface');
  // The sessions' source address and the address agents send NACKs to: one host address, never
  // "any" (agents would send to themselves), a group or the broadcast address.
  if (ifaceBits === 0 || ifaceBits >= 0xe0000000) {
    throw new DpError('DP_BAD_SETTING', `mcast-interface ${mcastInterface} must be an IPv4 address of this host's LAN interface (not 0.0.0.0, a multicast or a broadcast address)`, { setting: 'mcast-interface' });
  }
  const admin = tokenOf('admin', raw);
  const client = tokenOf('client', raw);
  if (admin !== undefined && admin === client) {
    // Every agent (and so every preinstall image) carries the client token: it must not open the admin API.
    throw new DpError('DP_BAD_SETTING', 'admin-token and client-token must differ: every agent carries the client token', { setting: 'client-token' });
  }
  const operatorFile = raw.get('operator-token-file');
  const viewerFile = raw.get('viewer-token-file');
  const captureFile = raw.get('capture-token-file');
  const dataDir = need('data-dir');
  const tls = tlsOf(raw);
  const boot = parseBootSettings((n) => raw.get(n), dataDir, mcastInterface);
  return {
    dataDir,
    listen: parseListen(need('listen')),
    mcastInterface,
    groupRange: parseGroupRange(need('group-range')),
    portRange: parsePortRange(need('port-range')),
    maxRateBps: parseRate(need('max-rate')),
    startRate: startRateOf(need('start-rate'), given.has('max-rate')),
    maxClients: parseIntSetting(need('max-clients'), 'max-clients', 1, 100_000),
    ttl: parseIntSetting(need('ttl'), 'ttl', 1, 255),
    agentRateLimit: parseIntSetting(need('agent-rate-limit'), 'agent-rate-limit', 0, 10_000_000),
    receiverSilenceSeconds: parseIntSetting(need('receiver-silence'), 'receiver-silence', 1, 600),
    symbolSize: symbolSizeOf(need('symbol-size')),
    ...(admin !== undefined ? { adminToken: admin } : {}),
    ...(client !== undefined ? { clientToken: client } : {}),
    ...(operatorFile !== undefined ? { operatorToken: readTokenFile(operatorFile, 'operator-token-file') } : {}),
    ...(viewerFile !== undefined ? { viewerToken: readTokenFile(viewerFile, 'viewer-token-file') } : {}),
    ...(captureFile !== undefined ? { captureToken: readTokenFile(captureFile, 'capture-token-file') } : {}),
    imageRoots: imageRootsOf(layers) ?? [defaultImageRoot(dataDir)],
    ...tls,
    ...(boot ? { boot } : {}),
    ...databaseUrlOf(raw.get('database-url')),
    ...compressLevelOf(raw.get('compress-level')),
  };
}

/** compress-level: off, or a zstd level 1-22 (absent: the catalog's default, 3). */
function compressLevelOf(v: string | undefined): { compressLevel?: number | 'off' } {
  if (v === undefined || v === '') return {};
  if (v === 'off') return { compressLevel: 'off' };
  return { compressLevel: parseIntSetting(v, 'compress-level', 1, 22) };
}

/**
 * start-rate: cap, probe, or auto (cap when the admin set max-rate in any layer: a rate chosen for
 * this network is where to start; the default cap is a guess, to be probed up to).
 */
function startRateOf(value: string, maxRateSet: boolean): StartRate {
  if (value === 'cap' || value === 'probe') return value;
  if (value === 'auto') return maxRateSet ? 'cap' : 'probe';
  throw new DpError('DP_BAD_SETTING', `start-rate must be auto, cap or probe, got "${value}"`, { setting: 'start-rate' });
}

/** `auto`, or bytes per data packet within what one IPv4 datagram carries. */
function symbolSizeOf(value: string): SymbolSizeSetting {
  if (value === 'auto') return 'auto';
  if (!/^\s*\d+\s*$/.test(value)) {
    throw new DpError('DP_BAD_SETTING', `symbol-size must be auto or an integer from ${MIN_FIXED_SYMBOL_SIZE} to ${MAX_FIXED_SYMBOL_SIZE} (got "${value}")`, { setting: 'symbol-size', value });
  }
  return parseIntSetting(value, 'symbol-size', MIN_FIXED_SYMBOL_SIZE, MAX_FIXED_SYMBOL_SIZE);
}

/** tls on|off, and the certificate and key, given together or not at all (either alone is a mistake). */
function tlsOf(raw: ReadonlyMap<SettingName, string>): Pick<ServeSettings, 'tls' | 'tlsCert' | 'tlsKey'> {
  const cert = raw.get('tls-cert');
  const key = raw.get('tls-key');
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'tls-cert' : 'tls-key';
    throw new DpError('DP_BAD_SETTING', `${missing} is missing: give tls-cert and tls-key together (or neither, and tls on, for a generated certificate)`, { setting: missing });
  }
  const mode = raw.get('tls');
  if (mode !== undefined && !['on', 'off', 'true', 'false'].includes(mode)) {
    throw new DpError('DP_BAD_SETTING', `tls must be on or off (got "${mode}")`, { setting: 'tls', value: mode });
  }
  const off = mode === 'off' || mode === 'false';
  if (off && cert !== undefined) throw new DpError('DP_BAD_SETTING', 'tls is off but tls-cert and tls-key are given: remove one or the other', { setting: 'tls' });
  const on = cert !== undefined || mode === 'on' || mode === 'true';
  return { tls: on, ...(cert !== undefined && key !== undefined ? { tlsCert: resolve(cert), tlsKey: resolve(key) } : {}) };
}

/** A token given directly or by file (never both: which one would win is a guess). */
function tokenOf(role: 'admin' | 'client', raw: ReadonlyMap<SettingName, string>): string | undefined {
  const direct = raw.get(`${role}-token`);
  const file = raw.get(`${role}-token-file`);
  if (direct !== undefined && file !== undefined) {
    throw new DpError('DP_BAD_SETTING', `${role}-token and ${role}-token-file are both given: give one (the file keeps the token out of ps)`, { setting: `${role}-token-file` });
  }
  if (file !== undefined) return readTokenFile(file, `${role}-token-file`);
  return direct === undefined ? undefined : parseToken(direct, `${role}-token`);
}

/**
 * --image-root is repeatable; CASTPOINT_IMAGE_ROOT is a list separated by the path delimiter (`:`);
 * the config file takes a string or an array of strings. The last layer that names any replaces
 * the others (as for every setting). Undefined: none given, the default applies.
 */
function imageRootsOf(layers: SettingLayers): string[] | undefined {
  const asList = (v: unknown, where: string): string[] | undefined => {
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? (v as unknown[]) : [v];
    if (!list.every((x): x is string => typeof x === 'string' && x !== '')) {
      throw new DpError('DP_BAD_SETTING', `image-root (${where}): expected directory paths (got ${JSON.stringify(v)})`, { setting: 'image-root', value: v });
    }
    return list.length === 0 ? undefined : list;
  };
  const env = layers.env?.[envName('image-root')];
  const roots =
    asList(layers.flags?.['image-root'], 'flag') ??
    (env !== undefined && env !== '' ? asList(env.split(delimiter).filter((p) => p !== ''), envName('image-root')) : undefined) ??
    asList(layers.file?.['image-root'], 'config file');
  return roots?.map((r) => resolve(r));
}

/**
 * At `serve`: mcast-interface must be an address this host has (the one its LAN interface holds);
 * otherwise the DP would start and only its first session would fail (EADDRNOTAVAIL).
 */
export function checkMcastInterfaceHere(address: string, nics: NodeJS.Dict<Array<{ address: string; family: string | number }>>): void {
  const mine = Object.entries(nics).flatMap(([name, list]) => (list ?? []).filter((i) => i.family === 'IPv4' || i.family === 4).map((i) => ({ name, address: i.address })));
  if (mine.some((i) => i.address === address)) return;
  const known = mine.map((i) => `${i.address} (${i.name})`).join(', ') || 'none';
  throw new DpError('DP_BAD_SETTING', `mcast-interface ${address} is not an address of this host; it has ${known}`, { setting: 'mcast-interface' });
}

/** database-url: a postgres:// or postgresql:// URL (the server is reached at start, not here). */
function databaseUrlOf(v: string | undefined): { databaseUrl?: string } {
  if (v === undefined || v === '') return {};
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new DpError('DP_BAD_SETTING', 'database-url must be a URL like postgres://USER:PASSWORD@HOST:5432/DATABASE', { setting: 'database-url' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new DpError('DP_BAD_SETTING', `database-url must start with postgres:// or postgresql:// (got ${u.protocol}//...)`, { setting: 'database-url' });
  }
  return { databaseUrl: v };
}
