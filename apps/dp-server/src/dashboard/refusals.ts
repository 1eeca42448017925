// Agent requests the DP refused (an unknown or changed image, a wrong token, a bad body, a limit):
// until 2026-12 they left nothing but a 4xx in the log. The last ones are kept in memory and shown
// on the dashboard and by GET /api/v1/refusals, so an operator sees why a machine got nothing.
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface Refusal {
  readonly at: string;
  /** The agent's address. */
  readonly ip: string;
  readonly route: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly image: string | null;
  readonly hostname: string | null;
}

export class RefusalLog {
  private readonly list: Refusal[] = [];
  constructor(private readonly keep = 200) {}

  add(r: Refusal): void {
    this.list.push(r);
    if (this.list.length > this.keep) this.list.splice(0, this.list.length - this.keep);
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
