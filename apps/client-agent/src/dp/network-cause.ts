// Why the DP could not be reached, in words a technician can act on (docs/agent.md says what to
// check for each), with the OS code kept for a search: "nothing listens on 10.0.0.5:8080 (ECONNREFUSED)" rather than
// "fetch failed" or a bare code. The code is looked for where Node and undici put it: on the
// error, on its cause (undici's "fetch failed"), or on the first of an AggregateError's errors
// (Node trying IPv4 and IPv6 addresses in turn).
import { HttpExchangeError } from './http-exchange';

/** The OS or library error code carried by an error, its cause, or its first aggregated error. */
export function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  const fromCause = networkCode(e.cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  return Array.isArray(e.errors) ? networkCode(e.errors[0], depth + 1) : undefined;
}

/** One clause for "The DP at X cannot be reached: <clause>". */
export function describeNetworkCause(err: unknown, url: URL, timeoutMs?: number): string {
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  if (err instanceof HttpExchangeError && err.kind === 'timeout') {
    return `no answer${timeoutMs === undefined ? '' : ` within ${formatSeconds(timeoutMs)}`} from ${where} (timeout)`;
  }
  const code = networkCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing listens on ${where} (ECONNREFUSED)`;
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return `the name ${url.hostname} does not resolve (DNS, ${code})`;
    case 'EAI_AGAIN':
      return `the name ${url.hostname} could not be looked up now (DNS, EAI_AGAIN)`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connecting to ${where} timed out (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `no route to ${url.hostname} (${code})`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `the connection to ${where} was cut (${code})`;
    case undefined: {
      const message = err instanceof Error ? err.message : String(err);
      return message === '' ? 'no reason given' : message;
    }
    default: {
      const message = err instanceof Error ? err.message : '';
      // Node's messages already start with the code ("connect EACCES ..."); say it once.
      return message === '' ? code : message.includes(code) ? message : `${message} (${code})`;
    }
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
