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
import { parseAssignment, type Assignment, type AssignmentRequest, type RunReport } from '../flow/run-assignment';
import { parseRefreshAnswer, type RefreshAnswer, type RefreshRequest } from '../refresh/refresh-api';
import { HttpExchangeError, httpExchange, type HttpAnswer } from './http-exchange';
import { FingerprintMismatchError } from '@castpoint/wire';
import { describeNetworkCause, networkCode } from './network-cause';

export interface DpClientOptions {
  /** Base URL, no trailing slash. */
  readonly server: string;
  readonly token?: string;
  /** https: the DP's certificate's SHA-256, 64 hex digits (--server-fingerprint); only it is accepted. */
  readonly serverFingerprint?: string;
  /** Per-request timeout for small JSON calls, ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Per-request timeout for a Range download, ms. @default 120000 */
  readonly rangeTimeoutMs?: number;
  /** Injected for tests. @default httpExchange (node:http) */
  readonly exchange?: typeof httpExchange;
}

const ASSIGNMENT_PATH = `${AGENT_API_PREFIX}/assignment`;

/** A JSON answer larger than this is refused (a manifest of a 2 TB image in 1 MiB chunks is ~150 MB). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** An error that means "try again later": the DP is restarting, overloaded or briefly unreachable. */
export function isTransient(err: unknown): boolean {
  return err instanceof AgentError && err.code === 'dp-unreachable';
}

export class DpClient {
  private readonly exchange: typeof httpExchange;
  private readonly timeoutMs: number;
  private readonly rangeTimeoutMs: number;

  constructor(private readonly opts: DpClientOptions) {
    this.exchange = opts.exchange ?? httpExchange;
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
    // 410: the administrator cancelled the scheduled session this agent was waiting for. 409
    // DP_IMAGE_BROKEN: the image file on the DP no longer matches its manifest (asking again would
    // loop for ever). Either way stop, as a kick `fail` does, with the DP's words.
    const refusal = res.status === 410 || res.status === 409 ? readRefusal(res.body) : undefined;
    if (res.status === 410 || refusal?.error === 'DP_IMAGE_BROKEN') {
      const said = refusal?.message ?? 'the session was cancelled';
      throw new AgentError('session-failed', `The DP at ${this.opts.server} says: ${said}`, { image: body.image });
    }
    this.expectOk(res, 'request');
    return parseRequestReply(readJson(res, 'request'));
  }

  /** Reports progress. Resolves `false` when the DP no longer knows this receiver (it restarted). */
  async progress(body: AgentProgress): Promise<boolean> {
    const res = await this.call('POST', `${AGENT_API_PREFIX}/progress`, body, this.timeoutMs);
    if (res.status === 404 || res.status === 410) return false;
    this.expectOk(res, 'progress');
    return true;
  }

  /** `run`: what this machine is to do (issue 24). */
  async assignment(body: AssignmentRequest): Promise<Assignment> {
    const res = await this.call('POST', ASSIGNMENT_PATH, body, this.timeoutMs);
    if (res.status === 404) {
      // The deployment's image is gone from the DP (it recorded the refusal in its history).
      const said = readRefusal(res.body)?.message ?? 'the image of the deployment is not on the DP';
      throw new AgentError('image-unknown', `The DP at ${this.opts.server} says: ${said}`);
    }
    this.expectOk(res, 'assignment');
    return parseAssignment(readJson(res, 'assignment'));
  }

  /** `run`: how the attempt went; the DP keeps it in the machine's history. */
  async report(body: RunReport): Promise<void> {
    const res = await this.call('POST', `${ASSIGNMENT_PATH}/report`, body, this.timeoutMs);
    this.expectOk(res, 'report');
  }

  /**
   * `refresh`: re-arm this machine's deployment. The DP's refusals keep its words: no deployment
   * (or none of that name) is exit 8, several to choose from or MACs of two machines exit 3.
   */
  async refresh(body: RefreshRequest): Promise<RefreshAnswer> {
    const res = await this.call('POST', `${AGENT_API_PREFIX}/refresh`, body, this.timeoutMs);
    if (res.status === 404 || res.status === 409) {
      const r = readRefusal(res.body);
      const said = `The DP at ${this.opts.server} re-armed nothing: ${r?.message ?? `HTTP ${res.status}`}`;
      if (r?.error === 'DP_DEPLOYMENT_AMBIGUOUS') throw new AgentError('assignment-conflict', `${said} (give --deployment NAME)`, { dpError: r.error });
      if (r?.error === 'DP_IDENTIFIER_TAKEN') throw new AgentError('assignment-conflict', said, { dpError: r.error });
      if (r?.error === 'DP_NO_DEPLOYMENT' || r?.error === 'DP_DEPLOYMENT_NOT_FOUND') throw new AgentError('nothing-to-do', said, { dpError: r.error });
    }
    this.expectOk(res, 'refresh');
    return parseRefreshAnswer(readJson(res, 'refresh'));
  }

  /** Bytes [start, start+length) of the image at `contentPath`, by an HTTP Range request. */
  async fetchRange(contentPath: string, start: number, length: number): Promise<Uint8Array> {
    const headers = { range: `bytes=${start}-${start + length - 1}` };
    // One byte over the range is enough to tell a DP that ignored the Range header.
    const res = await this.call('GET', contentPath, undefined, this.rangeTimeoutMs, headers, length + 1);
    if (res.status === 404) {
      throw new AgentError('image-unknown', `The DP no longer serves the image content at ${contentPath}`);
    }
    this.expectOk(res, `download ${contentPath}`);
    const buf = new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.length);
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
    maxBodyBytes = MAX_JSON_BYTES,
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token !== undefined) headers['authorization'] = `Bearer ${this.opts.token}`;
    const url = new URL(urlPath, `${this.opts.server}/`);
    try {
      return await this.exchange(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs, maxBodyBytes, ...(this.opts.serverFingerprint === undefined ? {} : { fingerprint: this.opts.serverFingerprint }) });
    } catch (err) {
      if (err instanceof HttpExchangeError && err.cause instanceof FingerprintMismatchError) {
        // Not a DP that is away for a moment: another server, or the DP's certificate changed.
        throw new AgentError('dp-refused', `The server at ${this.opts.server} is not the DP pinned by --server-fingerprint: ${err.cause.message}`, { url: url.href }, { cause: err });
      }
      if (err instanceof HttpExchangeError && err.kind === 'too-large') {
        throw new AgentError('dp-refused', `The DP's answer to ${method} ${urlPath} is too long: ${err.message}`, { url: url.href }, { cause: err });
      }
      throw new AgentError('dp-unreachable', `The DP at ${this.opts.server} cannot be reached: ${describeNetworkCause(err, url, timeoutMs)}`, {
        url: url.href,
        ...(networkCode(err) === undefined ? {} : { cause: networkCode(err) }),
      }, { cause: err });
    }
  }

  private expectOk(res: HttpAnswer, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const text = res.body.toString('utf8', 0, Math.min(res.body.length, 400)).slice(0, 200).replace(/\s+/g, ' ');
    // Passing conditions the agent waits out (with its --dp-patience): a DP starting or busy (503
    // DP_BUSY), rate-limited (429) or unable to record new sessions until disk space returns (507).
    if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504 || res.status === 507) {
      throw new AgentError('dp-unreachable', `The DP at ${this.opts.server} is not ready (${what}: HTTP ${res.status}${TRANSIENT_WHY[res.status] ?? ''})`);
    }
    const auth = res.status === 401 || res.status === 403 ? ' (check --token or CASTPOINT_TOKEN)' : '';
    throw new AgentError('dp-refused', `The DP at ${this.opts.server} refused ${what} with HTTP ${res.status}${auth}${text ? `: ${text}` : ''}`, {
      status: res.status,
    });
  }
}

const TRANSIENT_WHY: Readonly<Record<number, string>> = {
  429: ', too many requests from this address: asking again later',
  507: ', the DP cannot save its state (disk full): asking again later',
};

function readJson(res: HttpAnswer, what: string): unknown {
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch (err) {
    throw new AgentError('dp-refused', `The DP answered ${what} with a body that is not JSON`, undefined, { cause: err });
  }
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

/** The `{error, message}` body of a DP refusal, when it is one (else undefined). */
function readRefusal(body: Buffer): { error?: string; message?: string } | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as { error?: unknown; message?: unknown };
    return {
      ...(typeof v.error === 'string' ? { error: v.error } : {}),
      ...(typeof v.message === 'string' ? { message: v.message } : {}),
    };
  } catch {
    return undefined;
  }
}
