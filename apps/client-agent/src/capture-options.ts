// Validates `castpoint-agent capture` options (a contract, as issue #26 names them: --source,
// --server, --name, --token). Apart from yargs so every rule is unit-tested.
import path from 'node:path';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '@castpoint/chunking';
import { AgentError } from './errors';
import { normalizeServer, optionalString, requireString, type OptionContext, type OutputMode } from './options';
import { refuseWindowsDevicePath } from './raw-disk-path';

export interface CaptureOptions {
  /** Disk (or image file) to read, absolute. */
  readonly source: string;
  readonly server: string;
  /** Name of the new image on the DP. */
  readonly name: string;
  /** The DP's capture token, or its admin token (capture adds an image). */
  readonly token?: string;
  /** @default 1048576 */
  readonly chunkSize: number;
  readonly output: OutputMode;
}

export interface RawCaptureArgs {
  source?: unknown;
  server?: unknown;
  name?: unknown;
  token?: unknown;
  chunkSize?: unknown;
  json?: unknown;
}

export const DEFAULT_CAPTURE_CHUNK_SIZE = 1024 * 1024;
/** The DP's image-name rule (apps/dp-server images/names.ts). */
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateCaptureOptions(raw: RawCaptureArgs, ctx: OptionContext): CaptureOptions {
  const server = normalizeServer(requireString(raw.server, '--server'));
  const name = requireString(raw.name, '--name');
  if (!IMAGE_NAME.test(name) || name.includes('..')) {
    throw usage(`--name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got "${name}".`);
  }
  const sourceRaw = requireString(raw.source, '--source');
  refuseWindowsDevicePath(sourceRaw);
  const token = optionalString(raw.token, '--token') ?? (ctx.env['CASTPOINT_TOKEN']?.trim() || undefined);
  const chunkSize = raw.chunkSize === undefined ? DEFAULT_CAPTURE_CHUNK_SIZE : Number(raw.chunkSize);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || chunkSize % 512 !== 0) {
    throw usage(`--chunk-size must be a multiple of 512 bytes from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}, got ${String(raw.chunkSize)}.`);
  }
  return {
    source: path.resolve(ctx.cwd, sourceRaw),
    server,
    name,
    ...(token === undefined ? {} : { token }),
    chunkSize,
    output: raw.json === true || !ctx.stdoutIsTty ? 'json' : 'tty',
  };
}

function usage(message: string): AgentError {
  return new AgentError('usage', message);
}
