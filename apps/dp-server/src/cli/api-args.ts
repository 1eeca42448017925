// The options every API command shares (--server, the admin token, --json) and the checks of
// values yargs cannot make for us, each refused with a usage error before the DP is contacted.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTokenFile } from '../config/token-files';
import { normalizeFingerprint, pinnedFetch } from '../security/pinned-fetch';
import { TLS_CERT_FILE } from '../security/tls-files';
import { ApiClient } from './api-client';
import type { CliIo } from './io';

export interface ApiArgs {
  server?: string;
  token?: string;
  'token-file'?: string;
  'server-fingerprint'?: string;
  'data-dir'?: string;
  json?: boolean;
}

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function usage(msg: string): UsageError {
  return new UsageError(msg);
}

/** The admin token: --token, --token-file (kept out of ps), then CASTPOINT_TOKEN, CASTPOINT_TOKEN_FILE. */
function adminToken(args: ApiArgs, env: NodeJS.ProcessEnv): string | undefined {
  if (args.token !== undefined && args['token-file'] !== undefined) throw usage('--token and --token-file are both given: give one');
  if (args['token-file'] !== undefined) return readTokenFile(args['token-file'], 'token-file');
  if (args.token !== undefined) return args.token;
  const envFile = env['CASTPOINT_TOKEN_FILE'];
  return env['CASTPOINT_TOKEN'] || (envFile ? readTokenFile(envFile, 'token-file') : undefined);
}

export function apiClient(args: ApiArgs, io: CliIo, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const server = args.server ?? env['CASTPOINT_SERVER'];
  if (!server) throw usage('--server URL is required (or CASTPOINT_SERVER)');
  const token = adminToken(args, env);
  if (!token) throw usage('--token-file FILE or --token ADMIN_TOKEN is required (or CASTPOINT_TOKEN_FILE, CASTPOINT_TOKEN)');
  const pin = serverPin(args, server, env);
  const f = io.fetch ?? (pin ? pinnedFetch(pin.fingerprint) : undefined);
  return new ApiClient({ server, token, ...(f ? { fetch: f } : {}), ...(pin ? { pinnedBy: pin.from } : {}) });
}

export interface ServerPin {
  /** 64 upper-case hex digits. */
  readonly fingerprint: string;
  /** Where it came from, for messages: `--server-fingerprint` or the certificate file. */
  readonly from: string;
}

/**
 * Which certificate the CLI pins for an https:// --server: --server-fingerprint (env
 * CASTPOINT_SERVER_FINGERPRINT) as the DP's start line prints it, else, on the DP's own host, the
 * certificate generated in --data-dir (env CASTPOINT_DATA_DIR). None: node's CA check as before (a
 * certificate given by --tls-cert from a CA the host trusts, or NODE_EXTRA_CA_CERTS).
 */
export function serverPin(args: ApiArgs, server: string, env: NodeJS.ProcessEnv): ServerPin | undefined {
  const given = args['server-fingerprint'] ?? (env['CASTPOINT_SERVER_FINGERPRINT'] || undefined);
  const https = server.startsWith('https://');
  if (given !== undefined) {
    const fingerprint = normalizeFingerprint(given);
    if (fingerprint === undefined) throw usage(`--server-fingerprint must be a SHA-256 fingerprint: 64 hex digits, with or without colons (as the DP's start line prints it), got ${JSON.stringify(given.slice(0, 100))}`);
    if (!https) throw usage(`--server-fingerprint pins the DP's TLS certificate: give an https:// --server (got ${server})`);
    return { fingerprint, from: '--server-fingerprint' };
  }
  const dataDir = args['data-dir'] ?? (env['CASTPOINT_DATA_DIR'] || undefined);
  if (!https || dataDir === undefined) return undefined;
  const file = join(dataDir, TLS_CERT_FILE);
  // A DP given its certificate by --tls-cert has none in its data dir: the CA check applies.
  if (!existsSync(file)) return undefined;
  try {
    const fingerprint = normalizeFingerprint(new X509Certificate(readFileSync(file)).fingerprint256);
    if (fingerprint === undefined) throw new Error('no SHA-256 fingerprint');
    return { fingerprint, from: file };
  } catch (err) {
    throw usage(`--data-dir: cannot read the DP's certificate ${file}: ${(err as Error).message}`);
  }
}

/** Prints VALUE as JSON with --json, else the human rendering. */
export function print(io: CliIo, args: { json?: boolean | undefined }, value: unknown, render: () => string): void {
  io.out(`${args.json ? JSON.stringify(value, null, 2) : render()}\n`);
}

/**
 * A session id as typed: a whole number. yargs' number type turned `abc` into NaN and the DP was
 * asked for /sessions/NaN (answered "400"), so the id is read as text and checked here.
 */
export function parseSessionId(value: unknown): number {
  const text = String(value);
  if (!/^\d{1,10}$/.test(text) || Number(text) > 4294967295) {
    throw usage(`session id must be a number, as \`castpoint-dp session list\` shows it (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}
