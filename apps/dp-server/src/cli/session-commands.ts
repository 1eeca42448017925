// `castpoint-dp session list|start|cancel` and `client list`: the handlers behind cli.ts.
import { apiClient, parseSessionId, print, type ApiArgs } from './api-args';
import { table } from './api-client';
import { CLIENT_COLUMNS, clientRow, newestFirst, type ClientJson } from './client-rows';
import { checkImageName } from './image-settings-flags';
import type { CliIo } from './io';

export async function sessionList(args: ApiArgs, io: CliIo): Promise<void> {
  const rows = await apiClient(args, io).call<Array<Record<string, unknown>>>('GET', '/api/v1/sessions');
  print(io, args, rows, () =>
    table(
      rows.map((r) => ({ ...r, receivers: Array.isArray(r['receivers']) ? r['receivers'].length : r['receivers'] })),
      ['id', 'image', 'state', 'mode', 'group', 'port', 'receivers', 'startedAt', 'endReason'],
    ),
  );
}

export async function sessionStart(args: ApiArgs & { image: string }, io: CliIo): Promise<void> {
  const image = checkImageName(args.image);
  const s = await apiClient(args, io).call<Record<string, unknown>>('POST', '/api/v1/sessions', { image });
  print(io, args, s, () => `session ${String(s['id'])} ${String(s['state'])} on ${String(s['group'])}:${String(s['port'])}`);
}

export async function sessionCancel(args: ApiArgs & { id: string }, io: CliIo): Promise<void> {
  const id = parseSessionId(args.id);
  const s = await apiClient(args, io).call<Record<string, unknown>>('DELETE', `/api/v1/sessions/${id}`);
  print(io, args, s, () => `session ${String(s['id'])} ${String(s['state'])}`);
}

/** One row per machine and attempt, newest first (client-rows.ts); `--json` keeps every field, in that order. */
export async function clientList(args: ApiArgs, io: CliIo): Promise<void> {
  const rows = newestFirst(await apiClient(args, io).call<ClientJson[]>('GET', '/api/v1/clients'));
  const nowMs = io.now();
  print(io, args, rows, () => table(rows.map((r) => clientRow(r, nowMs)), CLIENT_COLUMNS));
}
