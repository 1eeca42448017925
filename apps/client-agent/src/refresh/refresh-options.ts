// `refresh`'s options: --server and --token are checked by deploy's own validator (same rules,
// same messages, CASTPOINT_TOKEN as the default); --deployment is a deployment's name.
import path from 'node:path';
import { AgentError } from '../errors';
import { validateDeployOptions, type OptionContext } from '../options';
import type { RefreshOptions } from './refresh';

/** What the CLI collected for `refresh`. */
export interface RawRefreshArgs {
  server?: unknown;
  token?: unknown;
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
  const checked = validateDeployOptions({ server: raw.server, token: raw.token, json: raw.json, image: 'refresh', target: path.join(ctx.cwd, 'refresh') }, ctx);
  return {
    server: checked.server,
    ...(checked.token === undefined ? {} : { token: checked.token }),
    ...(typeof d === 'string' ? { deployment: d } : {}),
    reboot: raw.reboot !== false,
    json: raw.json === true,
  };
}
