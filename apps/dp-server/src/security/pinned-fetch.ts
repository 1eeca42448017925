// The admin CLI talking to a DP whose certificate no CA vouches for (`--tls on` generates a
// self-signed one): the CLI pins its SHA-256 fingerprint instead, with the agents' check
// (libs/wire pinned-tls.ts). The socket reaches the HTTP request only once the fingerprint
// matched, so the admin token is never written to a server that is not the DP. Before this, the
// CLI needed NODE_EXTRA_CA_CERTS pointing at the DP's certificate, and a URL whose host was one
// of its names.
import * as https from 'node:https';
import { PinnedAgent } from '@castpoint/wire';

export { FingerprintMismatchError, normalizeFingerprint } from '@castpoint/wire';

/** One request at a time from the CLI: no connection kept for later. */
const pinnedAgent = (fingerprint: string): PinnedAgent => new PinnedAgent(fingerprint, { keepAlive: false });

/** Largest answer read (the CLI's lists are far smaller): a wrong server cannot fill the memory. */
const MAX_BODY = 64 << 20;

/**
 * A fetch for the CLI's ApiClient (method, headers, a string body) over a connection pinned to
 * `fingerprint` (64 hex digits). Only https URLs: the pin means nothing without TLS.
 */
export function pinnedFetch(fingerprint: string, timeoutMs = 120_000): typeof fetch {
  const agent = pinnedAgent(fingerprint);
  return ((input: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== 'https:') {
        reject(new Error(`the DP's certificate is pinned: only https:// URLs (got ${url.protocol})`));
        return;
      }
      const req = https.request(url, { method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string>, agent, timeout: timeoutMs }, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          size += b.length;
          if (size > MAX_BODY) req.destroy(new Error(`the answer is larger than ${MAX_BODY} bytes`));
          else parts.push(b);
        });
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          // A Response with a null-body status (204, 304) must not be given a body.
          const body = status === 204 || status === 304 ? null : Buffer.concat(parts);
          resolve(new Response(body, { status, headers: { 'content-type': String(res.headers['content-type'] ?? 'text/plain') } }));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      if (typeof init?.body === 'string') req.write(init.body);
      req.end();
    })) as typeof fetch;
}
