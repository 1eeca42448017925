// `refresh`'s options: --server and --token are checked by deploy's own validator (same rules,
// same messages, CASTPOINT_TOKEN as the default), and so is --server-fingerprint (a DP serving its
// generated certificate: refresh sends the client token, so it pins as deploy does); --deployment
// is a deployment's name. refresh runs on the installed system, whose kernel line has no
// castpoint.* words, so nothing is read from it.
import path from 'node:path';
import { AgentError } from '../errors';
import { validateDeployOptions, type OptionContext } from '../options';
import type { RefreshOptions } from './refresh';

/** What the CLI collected for `refresh`. */
export interface RawRefreshArgs {
  server?: unknown;
  token?: unknown;
  serverFingerprint?: unknown;
  deployment?: unknown;
  /** yargs turns --no-reboot into reboot=false. */
  reboot?: unknown;
  json?: unknown;
}

export function validateRefreshOptions(raw: RawRefreshArgs, ctx: OptionContext): RefreshOptions {
  const d = raw.deployment;
  if (d !== undefined && (typeof d !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(d))) {
    throw new AgentError('usage', `--deployment needs a deployment's name (1 to 63 letters, digits, dots, dashes or underscores), got ${JSON.stringify(d)}.`);
  }
  // Stand-ins for the image and target deploy requires: refresh writes nothing.
  const checked = validateDeployOptions({ server: raw.server, token: raw.token, serverFingerprint: raw.serverFingerprint, json: raw.json, image: 'refresh', target: path.join(ctx.cwd, 'refresh') }, ctx);
  return {
    server: checked.server,
    ...(checked.token === undefined ? {} : { token: checked.token }),
    ...(checked.serverFingerprint === undefined ? {} : { serverFingerprint: checked.serverFingerprint }),
    ...(typeof d === 'string' ? { deployment: d } : {}),
    reboot: raw.reboot !== false,
    json: raw.json === true,
  };
}
