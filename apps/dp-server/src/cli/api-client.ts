// The command line's side of the REST API: plain fetch with the admin token, errors as DpError
// carrying the server's status and reason.
import { DpError } from '../errors';
import { FingerprintMismatchError } from '../security/pinned-fetch';

export interface ApiClientOptions {
  /** Base URL of a running DP, e.g. http://10.0.0.5:8080 */
  readonly server: string;
  readonly token: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Where the pinned certificate fingerprint came from (`--server-fingerprint`, a file), for messages. */
  readonly pinnedBy?: string;
}

/** Why a request got no answer, in one line: fetch's "fetch failed" hides the cause (a code, a TLS check). */
function unreachable(err: unknown, pinnedBy: string | undefined, base: string): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  if (e instanceof FingerprintMismatchError) return `the server at ${base} is not the DP pinned by ${pinnedBy ?? '--server-fingerprint'}: ${e.message}`;
  const cause = e.cause;
  const why = cause ? `${e.message}: ${cause.message}${cause.code !== undefined && !cause.message.includes(cause.code) ? ` (${cause.code})` : ''}` : e.message;
  // A DP with a generated certificate, reached without a pin: say how to pin it.
  if (/SELF_SIGNED|self[- ]signed/i.test(why)) return `cannot reach ${base}: ${why}; pin the DP's certificate with --server-fingerprint (its start line prints it) or, on the DP's host, --data-dir`;
  return `cannot reach ${base}: ${why}`;
}

export class ApiClient {
  private readonly base: string;

  constructor(private readonly o: ApiClientOptions) {
    let u: URL;
    try {
      u = new URL(o.server);
    } catch {
      throw new DpError('DP_BAD_SETTING', `--server: expected a URL like http://HOST:PORT (got ${JSON.stringify(o.server)})`, { setting: 'server' });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new DpError('DP_BAD_SETTING', `--server: only http and https URLs (got ${o.server})`, { setting: 'server' });
    }
    this.base = u.href.replace(/\/+$/, '');
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, body)).body;
  }

  /** call(), with the response headers (a paged listing's next cursor travels in one). */
  async exchange<T>(method: string, path: string, body?: unknown): Promise<{ body: T; headers: Headers }> {
    const f = this.o.fetch ?? fetch;
    let res: Response;
    try {
      res = await f(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.o.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new DpError('DP_API', unreachable(err, this.o.pinnedBy, this.base), { status: 0 }, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const reason = (json as { message?: string; error?: string } | undefined) ?? {};
      throw new DpError('DP_API', `${method} ${path}: ${res.status} ${reason.error ?? ''} ${reason.message ?? text}`.trim(), {
        status: res.status,
        error: reason.error,
      });
    }
    return { body: json as T, headers: res.headers };
  }
}

/** Renders rows as an aligned text table (the CLI's default output; --json prints raw JSON). */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '-' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (vals: readonly string[]): string => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}
