// Agent requests the DP refused (an unknown or changed image, a wrong token, a bad body, a limit):
// until 2026-12 they left nothing but a 4xx in the log. The newest are kept (in memory for the
// dashboard, and in the SQL store so a restart keeps them: dashboard/persisted-state.ts) and shown
// on the dashboard, by GET /api/v1/refusals and `history --refused`, so an operator sees why a
// machine got nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StoredRefusal } from '../store/operator-log-queries';

export type Refusal = StoredRefusal;

export class RefusalLog {
  private readonly list: Refusal[] = [];
  /**
   * @param keep newest refusals kept. @default 500
   * @param onAdd told of each new refusal (the store's writer).
   * @param restored what the store kept before this start, newest first.
   */
  constructor(
    private readonly keep = 500,
    private readonly onAdd: (r: Refusal) => void = () => undefined,
    restored: readonly Refusal[] = [],
  ) {
    this.list.push(...restored.slice(0, keep).reverse());
  }

  add(r: Refusal): void {
    this.list.push(r);
    if (this.list.length > this.keep) this.list.splice(0, this.list.length - this.keep);
    this.onAdd(r);
  }

  /** Newest first. */
  recent(limit = this.keep): Refusal[] {
    return this.list.slice(-limit).reverse();
  }
}

function field(body: unknown, key: string): string | null {
  const v = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v.slice(0, 200) : null;
}

function errorOf(payload: unknown): { code: string; message: string } {
  if (typeof payload !== 'string') return { code: 'UNKNOWN', message: '' };
  try {
    const p = JSON.parse(payload) as { error?: unknown; message?: unknown };
    return { code: typeof p.error === 'string' ? p.error : 'UNKNOWN', message: typeof p.message === 'string' ? p.message : '' };
  } catch {
    return { code: 'UNKNOWN', message: payload.slice(0, 200) };
  }
}

/** Records every 4xx/5xx answer of the agent API (/api/v1/agent/...) into `log`, then calls `changed`. */
export function recordAgentRefusals(app: FastifyInstance, log: RefusalLog, now: () => number, changed: () => void): void {
  app.addHook('onSend', async (req: FastifyRequest, reply, payload) => {
    if (reply.statusCode < 400 || !req.url.startsWith('/api/v1/agent/')) return payload;
    const { code, message } = errorOf(payload);
    log.add({
      at: new Date(now()).toISOString(),
      ip: req.ip,
      route: `${req.method} ${req.url.split('?')[0] ?? ''}`,
      status: reply.statusCode,
      code,
      message,
      image: field(req.body, 'image') ?? (req.params as { name?: string } | undefined)?.name ?? null,
      hostname: field(req.body, 'hostname'),
    });
    changed();
    return payload;
  });
}
