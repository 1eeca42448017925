// `castpoint-dp machine ...` and `castpoint-dp collection ...` (issue 24). Command names and flags
// are a contract with scripts and docs: keep them. Loaded by cli.ts, which owns yargs and --json.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { UsageError, type ApiArgs } from './api-args';
import { DpError } from '../errors';
import { table, type ApiClient } from './api-client';
import { nextPageLine, pageOptions, wantsPage, type PageArgs } from './page-flags';

/** cli.ts's client factory and printer, handed in so this file needs no state of its own. */
export interface FleetIo {
  api(args: ApiArgs): ApiClient;
  print(args: ApiArgs, value: unknown, render: () => string): void;
}

type MachineJson = Record<string, unknown> & { name: string; macs: string[] };
type CollectionJson = { name: string; rules: string[]; members: string[] };

const enc = encodeURIComponent;

function machineRows(rows: readonly MachineJson[]): string {
  return table(
    rows.map((m) => ({ ...m, macs: m.macs.join(' ') })),
    ['name', 'state', 'macs', 'uuid', 'model', 'lastIp', 'lastSeen'],
  );
}

type MachinePageJson = { machines: MachineJson[]; next: number | null };

/** `--state unknown`: the machines that registered themselves and wait for an operator. */
type StateArgs = { state?: 'unknown' | 'known' };
const stateQuery = (a: StateArgs): string => (a.state !== undefined ? `&state=${a.state}` : '');

/** One page by id (keyset): --json prints `{ machines, next }`, the table ends with the next cursor. */
async function machinePage(client: ApiClient, a: ApiArgs & PageArgs & StateArgs, io: FleetIo): Promise<void> {
  let after = 0;
  if (a.after !== undefined) {
    after = Number(a.after);
    if (!/^\d{1,10}$/.test(String(a.after))) throw new UsageError(`--after: a machine list cursor is the number a previous page printed as next (got ${JSON.stringify(a.after)})`);
  }
  const page = await client.call<MachinePageJson>('GET', `/api/v1/machines?limit=${a.limit ?? 100}&after=${after}${stateQuery(a)}`);
  io.print(a, page, () => `${machineRows(page.machines)}\n${nextPageLine(page.next)}`);
}

/** `machine list`: every page (an array in --json), or the one page --limit/--after ask for. */
export async function machineList(a: ApiArgs & PageArgs & StateArgs, io: FleetIo): Promise<void> {
  const client = io.api(a);
  if (wantsPage(a)) return machinePage(client, a, io);
  const all: MachineJson[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const page: MachinePageJson = await client.call('GET', `/api/v1/machines?limit=1000&after=${after}${stateQuery(a)}`);
    all.push(...page.machines);
    after = page.next;
  }
  io.print(a, all, () => machineRows(all));
}

export function machineCommands<T extends ApiArgs>(y: Argv<T>, io: FleetIo): Argv<T> {
  return y
    .command(
      'list',
      'List machines (every page, or one with --limit/--after)',
      (a) => pageOptions(a, 'machines').option('state', { choices: ['unknown', 'known'] as const, describe: 'Only machines in this state (unknown: registered themselves, waiting for approval)' }),
      (a) => machineList(a, io),
    )
    .command(
      'show <name>',
      'Show one machine',
      (a) => a.positional('name', { type: 'string', demandOption: true }),
      async (a) => {
        const m = await io.api(a).call<MachineJson>('GET', `/api/v1/machines/${enc(a.name)}`);
        io.print(a, m, () => Object.entries(m).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : v === null ? '-' : String(v)}`).join('\n'));
      },
    )
    .command(
      'add <name>',
      'Add a machine ahead of its first boot',
      (a) =>
        a
          .positional('name', { type: 'string', demandOption: true })
          .option('mac', { type: 'string', array: true, demandOption: true, describe: 'MAC address (repeat for more NICs)' })
          .option('uuid', { type: 'string', describe: 'SMBIOS UUID' }),
      async (a) => {
        const m = await io.api(a).call<MachineJson>('POST', '/api/v1/machines', { name: a.name, macs: a.mac, ...(a.uuid !== undefined ? { uuid: a.uuid } : {}) });
        io.print(a, m, () => `added machine ${m.name} (${m.macs.join(' ')})`);
      },
    )
    .command(
      'rm <name>',
      'Remove a machine (its history stays, under its name)',
      (a) => a.positional('name', { type: 'string', demandOption: true }),
      async (a) => {
        await io.api(a).call('DELETE', `/api/v1/machines/${enc(a.name)}`);
        io.print(a, { removed: a.name }, () => `removed machine ${a.name}`);
      },
    )
    .command(
      'import <file>',
      'Add the machines of a CSV file (name,mac[,uuid] per line): all of them, or none with every bad line listed',
      (a) => a.positional('file', { type: 'string', demandOption: true }),
      async (a) => {
        let csv: string;
        try {
          csv = readFileSync(a.file, 'utf8');
        } catch (err) {
          throw new DpError('DP_BAD_SETTING', `cannot read ${a.file}: ${(err as Error).message}`, { setting: 'file' }, { cause: err });
        }
        const r = await io.api(a).call<{ imported: number; machines: MachineJson[] }>('POST', '/api/v1/machines/import', { csv });
        io.print(a, r, () => `imported ${r.imported} machine(s)`);
      },
    )
    .command(
      'rename <name> <new-name>',
      'Rename a machine (it becomes known, as naming approves it); its history follows the new name',
      (a) => a.positional('name', { type: 'string', demandOption: true }).positional('new-name', { type: 'string', demandOption: true }),
      async (a) => {
        const m = await io.api(a).call<MachineJson>('PATCH', `/api/v1/machines/${enc(a.name)}`, { name: a.newName });
        io.print(a, m, () => `renamed machine ${a.name} to ${m.name}`);
      },
    )
    .command(
      'approve <machine>',
      'Approve a machine that registered itself (unknown -> known), optionally naming it',
      // The positional is not `name`: yargs would put it and --name under one key.
      (a) => a.positional('machine', { type: 'string', demandOption: true }).option('name', { type: 'string', describe: 'Its new name (as rename does)' }),
      async (a) => {
        const m = await io.api(a).call<MachineJson>('PATCH', `/api/v1/machines/${enc(a.machine)}`, { state: 'known', ...(a.name !== undefined ? { name: a.name } : {}) });
        io.print(a, m, () => (m.name === a.machine ? `approved machine ${m.name}` : `approved machine ${a.machine} as ${m.name}`));
      },
    )
    .demandCommand(1, 'name a machine command: list, show, add, rm, import, rename or approve');
}

export function collectionCommands<T extends ApiArgs>(y: Argv<T>, io: FleetIo): Argv<T> {
  const render = (c: CollectionJson) => `${c.name}: rules ${c.rules.join(' ') || '-'}; members ${c.members.join(' ') || '-'}`;
  return y
    .command('list', 'List collections', (a) => a, async (a) => {
      const rows = await io.api(a).call<CollectionJson[]>('GET', '/api/v1/collections');
      io.print(a, rows, () => table(rows.map((c) => ({ name: c.name, rules: c.rules.join(' '), members: c.members.length })), ['name', 'rules', 'members']));
    })
    .command(
      'add <name>',
      'Add a collection',
      (a) =>
        a
          .positional('name', { type: 'string', demandOption: true })
          .option('rule', { type: 'string', array: true, describe: 'mac:M[,M...], mac-prefix:OCTETS, name:GLOB, model:GLOB or unknown (repeat for more; any one matching is enough)' }),
      async (a) => {
        const c = await io.api(a).call<CollectionJson>('POST', '/api/v1/collections', { name: a.name, rules: a.rule ?? [] });
        io.print(a, c, () => `added collection ${render(c)}`);
      },
    )
    .command(
      'rm <name>',
      'Remove a collection (refused while deployments target it)',
      (a) => a.positional('name', { type: 'string', demandOption: true }),
      async (a) => {
        await io.api(a).call('DELETE', `/api/v1/collections/${enc(a.name)}`);
        io.print(a, { removed: a.name }, () => `removed collection ${a.name}`);
      },
    )
    .command(
      'add-member <collection> <machine>',
      'Make MACHINE a static member of COLLECTION',
      (a) => a.positional('collection', { type: 'string', demandOption: true }).positional('machine', { type: 'string', demandOption: true }),
      async (a) => {
        const c = await io.api(a).call<CollectionJson>('PUT', `/api/v1/collections/${enc(a.collection)}/members/${enc(a.machine)}`);
        io.print(a, c, () => render(c));
      },
    )
    .command(
      'remove-member <collection> <machine>',
      'Remove MACHINE from the static members of COLLECTION (rules may still match it)',
      (a) => a.positional('collection', { type: 'string', demandOption: true }).positional('machine', { type: 'string', demandOption: true }),
      async (a) => {
        const c = await io.api(a).call<CollectionJson>('DELETE', `/api/v1/collections/${enc(a.collection)}/members/${enc(a.machine)}`);
        io.print(a, c, () => render(c));
      },
    )
    .demandCommand(1, 'name a collection command: list, add, rm, add-member or remove-member');
}
