// One HTTP(S) request and its whole answer, over node:http. The agent used fetch before; fetch
// loads undici and compiles its HTTP parser to WebAssembly in every agent process (~15 ms CPU
// of a ~150 ms start, measured in docs/benchmarks.md), builds streams and abort signals for
// each progress report, and refuses the WHATWG "bad ports" (6000, 6665-6669, ...) on which a
// DP may well listen.
import * as http from 'node:http';
import * as https from 'node:https';
import { PinnedAgent } from '@castpoint/wire';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Buffer;
}

export interface HttpExchangeOptions {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, or raw bytes (capture's chunk uploads). */
  readonly body?: string | Uint8Array;
  /** The whole exchange, from connecting to the body's last byte, ms. */
  readonly timeoutMs: number;
  /** A longer body is cut off with an HttpExchangeError ('too-large'). */
  readonly maxBodyBytes: number;
  /** https: accept only the certificate with this SHA-256 (64 hex digits; pinned-tls.ts). */
  readonly fingerprint?: string;
}

/** Why an exchange got no complete answer. `code` is the OS error code when there is one. */
export class HttpExchangeError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'too-large',
    message: string,
    readonly code?: string,
    /** The socket's own error (an AggregateError when several addresses were tried). */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HttpExchangeError';
  }
}

/** Connections to the DP are kept for the next call (progress every second, range downloads). */
const agents = new Map<string, http.Agent>();

export function httpExchange(url: URL, o: HttpExchangeOptions): Promise<HttpAnswer> {
  // node:https takes the same calls (its option type adds TLS fields, hence the cast).
  const mod: Pick<typeof http, 'request' | 'Agent'> = url.protocol === 'https:' ? (https as unknown as typeof http) : http;
  const pinned = url.protocol === 'https:' ? o.fingerprint : undefined;
  const key = `${url.protocol}${pinned ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = pinned === undefined ? new mod.Agent({ keepAlive: true, maxSockets: 4 }) : (new PinnedAgent(pinned, { keepAlive: true, maxSockets: 4 }) as unknown as http.Agent);
    agents.set(key, agent);
  }
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers['content-length'] = String(typeof o.body === 'string' ? Buffer.byteLength(o.body) : o.body.length);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = mod.request(url, { method: o.method, headers, agent });
    const timer = setTimeout(() => req.destroy(new HttpExchangeError('timeout', `no complete answer in ${o.timeoutMs} ms`)), o.timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      const code = (err as { code?: unknown }).code;
      reject(err instanceof HttpExchangeError ? err : new HttpExchangeError('network', err.message, typeof code === 'string' ? code : undefined, err));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBodyBytes) {
          req.destroy(new HttpExchangeError('too-large', `the answer is longer than ${o.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
      });
    });
    req.end(o.body);
  });
}
