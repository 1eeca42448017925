// `castpoint-dp history --refused`: the agent requests the DP refused (an unknown or changed image,
// a wrong token, a bad body, a limit), newest first, from GET /api/v1/refusals (the newest 500,
// kept in the DP's database across restarts). The dashboard's
// Live view shows the same list.
import type { ApiArgs } from './api-args';
import { table } from './api-client';
import type { FleetIo } from './fleet-commands';

interface RefusalJson extends Record<string, unknown> {
  at: string;
  ip: string;
  hostname: string | null;
  image: string | null;
  status: number;
  code: string;
  message: string;
}

export async function refusedRequests(a: ApiArgs, io: FleetIo): Promise<void> {
  const rows = await io.api(a).call<RefusalJson[]>('GET', '/api/v1/refusals');
  io.print(a, rows, () =>
    rows.length === 0
      ? 'no agent request refused (the newest 500 are kept, across restarts)'
      : table(
          rows.map((r) => ({ ...r, hostname: r.hostname ?? '-', image: r.image ?? '-' })),
          ['at', 'ip', 'hostname', 'image', 'status', 'code', 'message'],
        ),
  );
}
