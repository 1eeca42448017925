// `castpoint-dp deployment ...` and `castpoint-dp history` (issue 24). Names and flags are a
// contract with scripts and docs: keep them.
import type { Argv } from 'yargs';
import { UsageError, type ApiArgs } from './api-args';
import { table } from './api-client';
import type { FleetIo } from './fleet-commands';
import { NEXT_CURSOR_HEADER } from '../http/deployment-routes';
import { nextPageLine, pageOptions, wantsPage, type PageArgs } from './page-flags';
import { refusedRequests } from './refusals-command';

type DeploymentJson = Record<string, unknown> & { name: string; image: string; collection: string; purpose: string };

const enc = encodeURIComponent;

/** `--var NAME=VALUE` flags as the deployment's variables (the DP checks the names). */
export function parseVariables(flags: readonly (string | number)[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const f of flags.map(String)) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var must be NAME=VALUE, got ${JSON.stringify(f)}`);
    vars[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return vars;
}

/** --kind with its one image flag: deploy needs --image, capture takes --image-name (a pattern). */
export function kindFlags(kind: 'deploy' | 'capture' | undefined, image: string | undefined, imageName: string | undefined): { kind?: 'capture'; image?: string } {
  if (kind === 'capture') {
    if (image !== undefined) throw new UsageError('--kind capture makes a new image: name it with --image-name (a name or a pattern such as {machine}-{date}), not --image');
    return { kind: 'capture', ...(imageName !== undefined ? { image: imageName } : {}) };
  }
  if (imageName !== undefined) throw new UsageError('--image-name is for --kind capture; a deploy deployment names its image with --image');
  if (image === undefined) throw new UsageError('Missing required argument: image (or --kind capture)');
  return { image };
}

export function deploymentCommands<T extends ApiArgs>(y: Argv<T>, io: FleetIo): Argv<T> {
  return y
    .command('list', 'List deployments', (a) => a, async (a) => {
      const rows = await io.api(a).call<DeploymentJson[]>('GET', '/api/v1/deployments');
      // KIND last: scripts read the columns before it by position (they predate capture deployments).
      io.print(a, rows, () => table(rows, ['name', 'image', 'collection', 'purpose', 'disk', 'after', 'notBefore', 'deadline', 'kind']));
    })
    .command(
      'add <name>',
      'Deploy IMAGE to the machines of COLLECTION (or, --kind capture, capture their disks)',
      (a) =>
        a
          .positional('name', { type: 'string', demandOption: true })
          .option('kind', { choices: ['deploy', 'capture'] as const, describe: "deploy [default]: write --image to the machines; capture: make each machine's disk a new image" })
          .option('image', { type: 'string', describe: 'Image name (deploy; required)' })
          .option('image-name', { type: 'string', describe: 'capture: the new image name or pattern, fields {machine} {deployment} {date} {time} [default: {machine}-{date}]' })
          .option('collection', { type: 'string', demandOption: true, describe: 'Collection name' })
          .option('purpose', { choices: ['required', 'available'] as const, describe: 'required [default]: runs when the machine next asks; available: when chosen at the machine' })
          .option('disk', { type: 'string', describe: 'Target disk: first-fixed [default], serial:X, wwn:X, model:GLOB, size:MIN-MAX, path:/dev/X' })
          .option('after', { choices: ['reboot', 'poweroff', 'none'] as const, describe: 'What the machine does after: reboot [default], poweroff, none' })
          .option('script', { type: 'string', describe: 'http(s) URL of a script the agent runs after the image is written' })
          .option('not-before', { type: 'string', describe: 'ISO 8601 time before which machines wait' })
          .option('deadline', { type: 'string', describe: 'ISO 8601 time after which the deployment no longer runs' })
          .option('var', { type: 'string', array: true, describe: 'NAME=VALUE in the post-deploy script\'s environment (repeatable)' }),
      async (a) => {
        const body = {
          name: a.name,
          ...kindFlags(a.kind, a.image, a['image-name']),
          collection: a.collection,
          ...(a.purpose !== undefined ? { purpose: a.purpose } : {}),
          ...(a.disk !== undefined ? { disk: a.disk } : {}),
          ...(a.after !== undefined ? { after: a.after } : {}),
          ...(a.script !== undefined ? { script: a.script } : {}),
          ...(a['not-before'] !== undefined ? { notBefore: a['not-before'] } : {}),
          ...(a.deadline !== undefined ? { deadline: a.deadline } : {}),
          ...(a.var !== undefined ? { variables: parseVariables(a.var) } : {}),
        };
        const d = await io.api(a).call<DeploymentJson>('POST', '/api/v1/deployments', body);
        io.print(a, d, () => (d['kind'] === 'capture' ? `added capture deployment ${d.name}: ${d.collection} -> image ${d.image} (${d.purpose})` : `added deployment ${d.name}: ${d.image} -> ${d.collection} (${d.purpose})`));
      },
    )
    .command(
      'show <name>',
      'Show one deployment',
      (a) => a.positional('name', { type: 'string', demandOption: true }),
      async (a) => {
        const d = await io.api(a).call<DeploymentJson>('GET', `/api/v1/deployments/${enc(a.name)}`);
        io.print(a, d, () => Object.entries(d).map(([k, v]) => `${k}: ${v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
      },
    )
    .command(
      'rm <name>',
      'Remove a deployment (its history stays)',
      (a) => a.positional('name', { type: 'string', demandOption: true }),
      async (a) => {
        await io.api(a).call('DELETE', `/api/v1/deployments/${enc(a.name)}`);
        io.print(a, { removed: a.name }, () => `removed deployment ${a.name}`);
      },
    )
    .command(
      'rerun <name>',
      'Re-arm a required deployment: on one machine (--machine) or on all',
      (a) => a.positional('name', { type: 'string', demandOption: true }).option('machine', { type: 'string', describe: 'Only this machine' }),
      async (a) => {
        const r = await io.api(a).call<{ rearmed: number }>('POST', `/api/v1/deployments/${enc(a.name)}/rerun`, a.machine !== undefined ? { machine: a.machine } : {});
        io.print(a, r, () => `re-armed ${a.name} on ${r.rearmed} machine(s)`);
      },
    )
    .demandCommand(1, 'name a deployment command: list, add, show, rm or rerun');
}

export function historyOptions<T extends ApiArgs>(y: Argv<T>) {
  return pageOptions(y, 'entries')
    .option('machine', { type: 'string', describe: 'Only this machine' })
    .option('deployment', { type: 'string', describe: 'Only this deployment' })
    .option('since', { type: 'string', describe: 'Only attempts started at or after this ISO 8601 time' })
    .option('refused', { type: 'boolean', describe: 'Instead: the agent requests the DP refused (unknown or changed image, wrong token), newest first' });
}

const HISTORY_COLUMNS = ['startedAt', 'machine', 'deployment', 'image', 'result', 'exitCode', 'transport', 'bytes', 'message'];

/**
 * Without --limit/--after: the newest 100 entries as before (--json an array). With either: one
 * page, --json `{ entries, next }`, and the table ends with the next page's cursor.
 */
export async function historyCommand(a: ApiArgs & PageArgs & { machine?: string; deployment?: string; since?: string; refused?: boolean }, io: FleetIo): Promise<void> {
  if (a.refused) return refusedRequests(a, io);
  const paged = wantsPage(a);
  const q = new URLSearchParams();
  if (a.machine !== undefined) q.set('machine', a.machine);
  if (a.deployment !== undefined) q.set('deployment', a.deployment);
  if (a.since !== undefined) q.set('since', a.since);
  if (a.limit !== undefined) q.set('limit', String(a.limit));
  if (a.after !== undefined) q.set('after', String(a.after));
  const query = q.toString();
  const { body: rows, headers } = await io.api(a).exchange<Array<Record<string, unknown>>>('GET', `/api/v1/machine-history${query ? `?${query}` : ''}`);
  if (!paged) return io.print(a, rows, () => table(rows, HISTORY_COLUMNS));
  const next = headers.get(NEXT_CURSOR_HEADER);
  io.print(a, { entries: rows, next }, () => `${table(rows, HISTORY_COLUMNS)}\n${nextPageLine(next)}`);
}
