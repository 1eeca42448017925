// The agent's side of the HTTP contract in libs/wire/src/agent-api.ts: request a session, report
// progress, download chunk ranges. Maps every HTTP outcome to a typed error; "the DP is not there
// right now" (connection refused, timeout, 502-504) is `transient` so callers can wait for a restart.
import {
  AGENT_API_PREFIX,
  type AgentProgress,
  type AgentRequest,
  type AgentRequestReply,
} from '@castpoint/wire';
import { AgentError } from '../errors';

export interface DpClientOptions {
  /** Base URL, no trailing slash. */
  readonly server: string;
  readonly token?: string;
  /** Per-request timeout for small JSON calls, ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Per-request timeout for a Range download, ms. @default 120000 */
  readonly rangeTimeoutMs?: number;
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

/** An error that means "try again later": the DP is restarting, overloaded or briefly unreachable. */
export function isTransient(err: unknown): boolean {
  return err instanceof AgentError && err.code === 'dp-unreachable';
}

export class DpClient {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly rangeTimeoutMs: number;

  constructor(private readonly opts: DpClientOptions) {
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.rangeTimeoutMs = opts.rangeTimeoutMs ?? 120_000;
  }

  get server(): string {
    return this.opts.server;
  }

  async request(body: AgentRequest): Promise<AgentRequestReply> {
    const res = await this.call('POST', `${AGENT_API_PREFIX}/request`, body, this.timeoutMs);
    if (res.status === 404) {
      throw new AgentError('image-unknown', `The DP at ${this.opts.server} does not know the image "${body.image}"`, {
        image: body.image,
      });
    }
    await this.expectOk(res, 'request');
    return parseRequestReply(await readJson(res, 'request'));
  }

  /** Reports progress. Resolves `false` when the DP no longer knows this receiver (it restarted). */
  async progress(body: AgentProgress): Promise<boolean> {
    const res = await this.call('POST', `${AGENT_API_PREFIX}/progress`, body, this.timeoutMs);
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return false;
    }
    await this.expectOk(res, 'progress');
    await res.body?.cancel();
    return true;
  }

  /** Bytes [start, start+length) of the image at `contentPath`, by an HTTP Range request. */
  async fetchRange(contentPath: string, start: number, length: number): Promise<Uint8Array> {
    const headers = { range: `bytes=${start}-${start + length - 1}` };
    const res = await this.call('GET', contentPath, undefined, this.rangeTimeoutMs, headers);
    if (res.status === 404) {
      await res.body?.cancel();
      throw new AgentError('image-unknown', `The DP no longer serves the image content at ${contentPath}`);
    }
    await this.expectOk(res, `download ${contentPath}`);
    const buf = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 206 && !(start === 0 && buf.length === length)) {
      throw new AgentError('dp-refused', `The DP ignored the Range request for ${contentPath} (status ${res.status})`);
    }
    if (buf.length !== length) {
      throw new AgentError('dp-unreachable', `The DP sent ${buf.length} bytes of ${length} for ${contentPath}`, {
        transient: true,
      });
    }
    return buf;
  }

  private async call(
    method: 'GET' | 'POST',
    urlPath: string,
    body: unknown,
    timeoutMs: number,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token !== undefined) headers['authorization'] = `Bearer ${this.opts.token}`;
    const url = new URL(urlPath, `${this.opts.server}/`).href;
    try {
      return await this.fetchFn(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = describeFetchError(err);
      if (why === 'bad port') {
        // fetch refuses the WHATWG "bad ports" (1, 9, 6000, 6665-6669, ...): waiting cannot help.
        throw new AgentError('dp-refused', `The DP URL ${this.opts.server} uses a port that HTTP clients refuse (bad port); run the DP on another port`, { url }, { cause: err });
      }
      throw new AgentError('dp-unreachable', `The DP at ${this.opts.server} cannot be reached: ${why}`, { url }, { cause: err });
    }
  }

  private async expectOk(res: Response, what: string): Promise<void> {
    if (res.ok) return;
    const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      throw new AgentError('dp-unreachable', `The DP at ${this.opts.server} is not ready (${what}: HTTP ${res.status})`);
    }
    const auth = res.status === 401 || res.status === 403 ? ' (check --token or CASTPOINT_TOKEN)' : '';
    throw new AgentError('dp-refused', `The DP at ${this.opts.server} refused ${what} with HTTP ${res.status}${auth}${text ? `: ${text}` : ''}`, {
      status: res.status,
    });
  }
}

async function readJson(res: Response, what: string): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch (err) {
    throw new AgentError('dp-refused', `The DP answered ${what} with a body that is not JSON`, undefined, { cause: err });
  }
}

function describeFetchError(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` may not hold.
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  if (e.cause?.code) return e.cause.code;
  if (e.cause?.message) return e.cause.message;
  return e.message ?? String(err);
}

/** Checks the shape of a request reply just enough that later code cannot trip on a missing field. */
export function parseRequestReply(v: unknown): AgentRequestReply {
  const bad = (why: string): AgentError => new AgentError('dp-refused', `The DP sent a malformed request reply: ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const r = v as Record<string, unknown>;
  switch (r['status']) {
    case 'wait':
      if (typeof r['retryAfterMs'] !== 'number') throw bad('wait without retryAfterMs');
      return v as AgentRequestReply;
    case 'join': {
      if (typeof r['receiverId'] !== 'number') throw bad('join without receiverId');
      const s = r['session'] as Record<string, unknown> | undefined;
      if (typeof s !== 'object' || s === null) throw bad('join without session');
      for (const k of ['id', 'port', 'senderPort', 'symbolSize', 'blockSymbols']) {
        if (typeof s[k] !== 'number') throw bad(`session.${k} is not a number`);
      }
      for (const k of ['group', 'senderAddress', 'key', 'contentPath']) {
        if (typeof s[k] !== 'string') throw bad(`session.${k} is not a string`);
      }
      if (typeof r['manifest'] !== 'object' || r['manifest'] === null) throw bad('join without manifest');
      return v as AgentRequestReply;
    }
    case 'fallback':
      if (typeof r['receiverId'] !== 'number') throw bad('fallback without receiverId');
      if (typeof r['contentPath'] !== 'string') throw bad('fallback without contentPath');
      if (typeof r['manifest'] !== 'object' || r['manifest'] === null) throw bad('fallback without manifest');
      return v as AgentRequestReply;
    default:
      throw bad(`unknown status ${JSON.stringify(r['status'])}`);
  }
}
