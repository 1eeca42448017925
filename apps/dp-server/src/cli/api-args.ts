// The options every API command shares (--server, the admin token, --json) and the checks of
// values yargs cannot make for us, each refused with a usage error before the DP is contacted.
import { readTokenFile } from '../config/token-files';
import { ApiClient } from './api-client';
import type { CliIo } from './io';

export interface ApiArgs {
  server?: string;
  token?: string;
  'token-file'?: string;
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
  return new ApiClient({ server, token, ...(io.fetch ? { fetch: io.fetch } : {}) });
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
