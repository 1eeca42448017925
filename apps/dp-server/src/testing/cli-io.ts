// The CLI handlers' CliIo for specs: output captured, a stepping clock, timers run by hand, and
// fetch answered by the in-process DP through inject() (no socket).
import type { FastifyInstance } from 'fastify';
import type { CliIo } from '../cli/io';

export interface TestIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
  /** The functions `every` was given and not yet stopped: call them to advance the display. */
  readonly ticking: Set<() => void>;
  readonly clock: { t: number; step: number };
}

/** Every `now()` returns the clock, then advances it by `step` ms (a deterministic "meanwhile"). */
export function testIo(app: FastifyInstance | undefined, opts: { errIsTty?: boolean; step?: number } = {}): TestIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const ticking = new Set<() => void>();
  const clock = { t: 1_000_000, step: opts.step ?? 0 };
  return {
    stdout,
    stderr,
    ticking,
    clock,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    errIsTty: opts.errIsTty ?? false,
    now: () => {
      const t = clock.t;
      clock.t += clock.step;
      return t;
    },
    every: (_ms, fn) => {
      ticking.add(fn);
      return () => ticking.delete(fn);
    },
    ...(app ? { fetch: injectFetch(app) } : {}),
  };
}

export function injectFetch(app: FastifyInstance): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const r = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: (init?.headers ?? {}) as Record<string, string>,
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    // Every header, as a real server sends them (a paged listing's cursor travels in one).
    const headers = new Headers({ 'content-type': 'text/plain' });
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    return new Response(r.statusCode === 204 ? null : r.body, { status: r.statusCode, headers });
  }) as typeof fetch;
}
