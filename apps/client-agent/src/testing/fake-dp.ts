// An in-memory DP HTTP server on 127.0.0.1 for unit tests: the agent API routes with scripted
// replies, and Range downloads of an in-memory image. Records what the agent sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_API_PREFIX, type AgentProgress, type AgentRequest } from '@castpoint/wire';

export interface Scripted {
  readonly status: number;
  readonly body?: unknown;
}

export interface FakeDpOptions {
  /** Answers POST /request; called with the body and the request count so far (from 1). */
  onRequest(body: AgentRequest, n: number): Scripted;
  /** Answers POST /progress. @default 200 */
  onProgress?(body: AgentProgress): Scripted;
  /** Image bytes served at `contentPath` with Range. */
  readonly content?: Uint8Array;
  readonly contentPath?: string;
  /** Expected bearer token; other requests get 401. */
  readonly token?: string;
  /** Optional hook to corrupt or refuse ranges (return undefined to serve normally). */
  onRange?(start: number, end: number): Scripted | Uint8Array | undefined;
  /** `run`: answers POST /assignment; called with the body and the count so far (from 1). */
  onAssignment?(body: unknown, n: number): Scripted;
  /** `run`: answers POST /assignment/report. @default 204 */
  onReport?(body: unknown): Scripted;
  /** Plain files served by GET (a post-deploy script): path -> text. */
  readonly files?: Readonly<Record<string, string>>;
}

export class FakeDp {
  readonly requests: AgentRequest[] = [];
  readonly progress: AgentProgress[] = [];
  /** [start, endInclusive] of every Range request served. */
  readonly ranges: [number, number][] = [];
  readonly assignments: unknown[] = [];
  readonly reports: Record<string, unknown>[] = [];
  /** Authorization headers of GETs of `files`. */
  readonly fileAuth: (string | undefined)[] = [];
  private server: Server | undefined;
  url = '';
  /** While true every request is cut off unanswered, as by a DP that was killed. */
  down = false;
  /** Paths of the requests cut off while down. */
  readonly cutOff: string[] = [];

  constructor(private readonly opts: FakeDpOptions) {}

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      this.cutOff.push(req.url ?? '');
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (this.opts.token !== undefined && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return send(res, { status: 401, body: { error: 'bad token' } });
    }
    const url = req.url ?? '';
    if (req.method === 'POST' && url === `${AGENT_API_PREFIX}/request`) {
      const body = JSON.parse(text) as AgentRequest;
      this.requests.push(body);
      return send(res, this.opts.onRequest(body, this.requests.length));
    }
    if (req.method === 'POST' && url === `${AGENT_API_PREFIX}/progress`) {
      const body = JSON.parse(text) as AgentProgress;
      this.progress.push(body);
      return send(res, this.opts.onProgress?.(body) ?? { status: 200, body: {} });
    }
    if (req.method === 'POST' && url === `${AGENT_API_PREFIX}/assignment` && this.opts.onAssignment) {
      const body = JSON.parse(text) as unknown;
      this.assignments.push(body);
      return send(res, this.opts.onAssignment(body, this.assignments.length));
    }
    if (req.method === 'POST' && url === `${AGENT_API_PREFIX}/assignment/report`) {
      const body = JSON.parse(text) as Record<string, unknown>;
      this.reports.push(body);
      return send(res, this.opts.onReport?.(body) ?? { status: 204 });
    }
    const file = req.method === 'GET' ? this.opts.files?.[url] : undefined;
    if (file !== undefined) {
      this.fileAuth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(file) });
      res.end(file);
      return;
    }
    if (req.method === 'GET' && this.opts.content && url === this.opts.contentPath) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) return send(res, { status: 416 });
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), this.opts.content.length - 1);
      this.ranges.push([start, end]);
      const hook = this.opts.onRange?.(start, end);
      if (hook && !(hook instanceof Uint8Array)) return send(res, hook);
      const data = hook ?? this.opts.content.subarray(start, end + 1);
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${this.opts.content.length}`, 'content-length': data.length });
      res.end(Buffer.from(data));
      return;
    }
    send(res, { status: 404, body: { error: 'not found' } });
  }
}

function send(res: ServerResponse, s: Scripted): void {
  const body = s.body === undefined ? '' : JSON.stringify(s.body);
  res.writeHead(s.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
