// The DP's capture API over HTTP(S) (POST /api/v1/captures, PUT .../chunks/:i, POST .../finish),
// authenticated with the capture or admin token, or (run) a capture deployment's grant. A network failure or a 5xx is tried again a few times; what
// still fails ends the command, and running it again resumes (the DP keeps what it received).
import type { CaptureApi, CapturePlan } from '../flow/capture';
import { AgentError } from '../errors';
import { HttpExchangeError, httpExchange } from './http-exchange';
import { describeNetworkCause } from './network-cause';

export interface CaptureClientOptions {
  readonly server: string;
  readonly token?: string;
  /** https: the DP's certificate's SHA-256 (--server-fingerprint, castpoint.fingerprint=); only it is accepted. */
  readonly serverFingerprint?: string;
  /** One request, ms (a plan of millions of hashes, a 256 MiB chunk). @default 300000 */
  readonly timeoutMs?: number;
  /** Tries per request on network errors and 5xx. @default 4 */
  readonly attempts?: number;
  /** Pause between tries, ms. @default 2000 */
  readonly retryDelayMs?: number;
}

export class CaptureClient implements CaptureApi {
  constructor(private readonly o: CaptureClientOptions) {}

  private async call(method: 'POST' | 'PUT', path: string, body: string | Uint8Array | undefined, contentType: string): Promise<unknown> {
    const url = new URL(path, this.o.server);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    if (this.o.token !== undefined) headers['authorization'] = `Bearer ${this.o.token}`;
    const attempts = this.o.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let text: string;
      try {
        const a = await httpExchange(url, { method, headers, ...(body === undefined ? {} : { body }), timeoutMs: this.o.timeoutMs ?? 300_000, maxBodyBytes: 256 * 1024 * 1024, ...(this.o.serverFingerprint === undefined ? {} : { fingerprint: this.o.serverFingerprint }) });
        status = a.status;
        text = a.body.toString('utf8');
      } catch (err) {
        if (!(err instanceof HttpExchangeError) || attempt >= attempts) {
          throw new AgentError('dp-unreachable', `The DP at ${this.o.server} cannot be reached: ${describeNetworkCause(err, url)}; run the same command again to resume`, undefined, { cause: err });
        }
        await pause(this.o.retryDelayMs ?? 2000);
        continue;
      }
      if (status >= 200 && status < 300) return text === '' ? undefined : (JSON.parse(text) as unknown);
      if (status >= 500 && attempt < attempts) {
        await pause(this.o.retryDelayMs ?? 2000);
        continue;
      }
      throw refusal(status, text, method, url.pathname);
    }
  }

  async begin(plan: CapturePlan): Promise<{ missing: number[]; dataChunks: number }> {
    const r = (await this.call('POST', '/api/v1/captures', JSON.stringify(plan), 'application/json')) as { missing?: unknown; dataChunks?: unknown } | undefined;
    if (!Array.isArray(r?.missing) || !r.missing.every((c) => Number.isSafeInteger(c)) || typeof r.dataChunks !== 'number') {
      throw new AgentError('dp-refused', 'The DP answered the capture plan with a malformed reply');
    }
    return { missing: r.missing as number[], dataChunks: r.dataChunks };
  }

  async putChunk(name: string, index: number, data: Uint8Array): Promise<void> {
    await this.call('PUT', `/api/v1/captures/${encodeURIComponent(name)}/chunks/${index}`, data, 'application/octet-stream');
  }

  async finish(name: string): Promise<{ name: string; size: number; manifestHash: string }> {
    const r = (await this.call('POST', `/api/v1/captures/${encodeURIComponent(name)}/finish`, undefined, 'application/json')) as
      | { name?: unknown; size?: unknown; manifestHash?: unknown }
      | undefined;
    if (typeof r?.name !== 'string' || typeof r.size !== 'number' || typeof r.manifestHash !== 'string') {
      throw new AgentError('dp-refused', 'The DP answered the capture finish with a malformed reply');
    }
    return { name: r.name, size: r.size, manifestHash: r.manifestHash };
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function refusal(status: number, text: string, method: string, path: string): AgentError {
  let said = '';
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof j.message === 'string') said = `${typeof j.error === 'string' ? `${j.error}: ` : ''}${j.message}`;
  } catch {
    said = text.slice(0, 200);
  }
  // The DP's own words stay: an expired or foreign capture grant (run) says so there.
  const why = status === 401 || status === 403 ? `capture needs the DP's capture or admin token (--token or $CASTPOINT_TOKEN)${said ? `; the DP says ${said}` : ''}` : said;
  return new AgentError('dp-refused', `The DP refused ${method} ${path} (HTTP ${status}): ${why}`, { status });
}
