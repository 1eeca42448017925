import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AGENT_API_PREFIX } from '@castpoint/wire';
import { AgentError } from '../errors';
import { FakeClock } from '../testing/fake-clock';
import { FakeDp } from '../testing/fake-dp';
import { DpClient, isTransient, parseRequestReply } from './dp-client';
import { HttpExchangeError, type httpExchange } from './http-exchange';
import { withPatience } from './patience';

const manifest = { version: 1, size: 10, chunkSize: 4096, sha256: 'a'.repeat(64), chunks: ['b'.repeat(64)], zeroChunks: [] };
const session = {
  id: 7,
  image: 'img',
  group: '239.192.0.1',
  port: 63000,
  senderAddress: '10.0.0.1',
  senderPort: 63001,
  symbolSize: 1400,
  blockSymbols: 64,
  encrypted: false,
  key: 'k',
  manifestHash: 'c'.repeat(64),
  fallbackAllowed: true,
  contentPath: '/content/img',
  mode: 'autocast',
};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    return (err as AgentError).code;
  }
  throw new Error('expected a rejection');
}

describe('DpClient against a DP on 127.0.0.1', () => {
  let dp: FakeDp | undefined;
  afterEach(async () => {
    await dp?.stop();
    dp = undefined;
  });

  it('sends the request with the bearer token and parses a join reply', async () => {
    dp = await new FakeDp({
      token: 'secret',
      onRequest: () => ({ status: 200, body: { status: 'join', receiverId: 5, session, manifest } }),
    }).start();
    const c = new DpClient({ server: dp.url, token: 'secret' });
    const reply = await c.request({ image: 'img', hostname: 'pc1', previousReceiverId: 3 });
    expect(reply.status).toBe('join');
    expect(dp.requests).toEqual([{ image: 'img', hostname: 'pc1', previousReceiverId: 3 }]);
  });

  it.each([
    [404, 'image-unknown'],
    [401, 'dp-refused'],
    [403, 'dp-refused'],
    [500, 'dp-refused'],
    [400, 'dp-refused'],
    [503, 'dp-unreachable'],
    [502, 'dp-unreachable'],
    [429, 'dp-unreachable'],
    [507, 'dp-unreachable'],
  ])('maps HTTP %d on request to %s', async (status, code) => {
    dp = await new FakeDp({ onRequest: () => ({ status, body: { error: 'x' } }) }).start();
    expect(await codeOf(new DpClient({ server: dp.url }).request({ image: 'img', hostname: 'h' }))).toBe(code);
  });

  it('says to check the token on 401', async () => {
    dp = await new FakeDp({ token: 't', onRequest: () => ({ status: 200, body: {} }) }).start();
    await expect(new DpClient({ server: dp.url, token: 'wrong' }).request({ image: 'i', hostname: 'h' })).rejects.toThrow(/HTTP 401 \(check --token or CASTPOINT_TOKEN\)/);
  });

  it('reports a closed port as dp-unreachable (transient)', async () => {
    dp = await new FakeDp({ onRequest: () => ({ status: 200 }) }).start();
    const url = dp.url;
    await dp.stop();
    const err = await new DpClient({ server: url }).request({ image: 'i', hostname: 'h' }).catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect((err as Error).message).toMatch(/cannot be reached: nothing listens on 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });


  it('reports a DP that accepts but never answers as dp-unreachable after the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    try {
      const { port } = silent.address() as AddressInfo;
      const err = await new DpClient({ server: `http://127.0.0.1:${port}`, timeoutMs: 100 }).request({ image: 'i', hostname: 'h' }).catch((e: unknown) => e);
      expect(isTransient(err)).toBe(true);
      expect((err as Error).message).toMatch(/cannot be reached: no answer within 100 ms from 127\.0\.0\.1:\d+ \(timeout\)/);
    } finally {
      silent.close();
      silent.unref();
    }
  });

  it('progress resolves false when the DP has forgotten the receiver', async () => {
    dp = await new FakeDp({ onRequest: () => ({ status: 200 }), onProgress: (b) => ({ status: b.receiverId === 1 ? 200 : 404 }) }).start();
    const c = new DpClient({ server: dp.url });
    const body = { receiverId: 1, image: 'i', state: 'receiving' as const, chunksDone: 0, totalChunks: 1, bytesDone: 0, rateBps: 0, repairedSymbols: 0 };
    expect(await c.progress(body)).toBe(true);
    expect(await c.progress({ ...body, receiverId: 2 })).toBe(false);
    expect(dp.progress).toHaveLength(2);
  });

  it('downloads a byte range', async () => {
    const content = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    dp = await new FakeDp({ onRequest: () => ({ status: 200 }), content, contentPath: '/content/img' }).start();
    const got = await new DpClient({ server: dp.url }).fetchRange('/content/img', 100, 50);
    expect([...got]).toEqual([...content.subarray(100, 150)]);
    expect(dp.ranges).toEqual([[100, 149]]);
  });

  it('refuses a server that ignores Range, and treats a short body as transient', async () => {
    const content = new Uint8Array(1000);
    dp = await new FakeDp({
      onRequest: () => ({ status: 200 }),
      content,
      contentPath: '/c',
      onRange: (start) => (start === 0 ? content.subarray(0, 10) : { status: 200, body: 'whole' }),
    }).start();
    const c = new DpClient({ server: dp.url });
    expect(await codeOf(c.fetchRange('/c', 500, 10))).toBe('dp-refused');
    expect(await codeOf(c.fetchRange('/c', 0, 20))).toBe('dp-unreachable');
  });

  it('stops reading an answer longer than the range asked for', async () => {
    const content = new Uint8Array(100_000);
    dp = await new FakeDp({ onRequest: () => ({ status: 200 }), content, contentPath: '/c', onRange: () => content }).start();
    await expect(new DpClient({ server: dp.url }).fetchRange('/c', 0, 10)).rejects.toThrow(/answer to GET \/c is too long/);
  });
});

describe('parseRequestReply', () => {
  it.each([
    [null, /not an object/],
    [{ status: 'maybe' }, /unknown status "maybe"/],
    [{ status: 'wait' }, /wait without retryAfterMs/],
    [{ status: 'join', receiverId: 1, manifest }, /join without session/],
    [{ status: 'join', receiverId: 1, manifest, session: { ...session, port: '1' } }, /session.port is not a number/],
    [{ status: 'fallback', receiverId: 1, manifest }, /fallback without contentPath/],
  ])('rejects %j', (v, re) => {
    expect(() => parseRequestReply(v)).toThrow(re);
  });

  it('accepts the three statuses', () => {
    expect(parseRequestReply({ status: 'wait', retryAfterMs: 5, reason: 'r' }).status).toBe('wait');
    expect(parseRequestReply({ status: 'join', receiverId: 1, session, manifest }).status).toBe('join');
    expect(parseRequestReply({ status: 'fallback', receiverId: 1, reason: 'r', manifest, contentPath: '/c' }).status).toBe('fallback');
  });
});

describe('withPatience', () => {
  const transient = (): AgentError => new AgentError('dp-unreachable', 'The DP at x cannot be reached: ECONNREFUSED');

  it('retries transient failures with doubling delays until success', async () => {
    const clock = new FakeClock();
    let n = 0;
    const v = await withPatience(
      async () => {
        if (++n < 5) throw transient();
        return 'ok';
      },
      clock,
      { patienceMs: 60_000 },
    );
    expect(v).toBe('ok');
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('gives up with dp-unreachable once the patience is spent', async () => {
    const clock = new FakeClock();
    const p = withPatience(async () => Promise.reject(transient()), clock, { patienceMs: 10_000 });
    await expect(p).rejects.toThrow(/did not come back within 10 s/);
    expect(clock.t).toBeLessThanOrEqual(10_000);
  });

  it('does not retry other errors', async () => {
    const clock = new FakeClock();
    let n = 0;
    const p = withPatience(
      async () => {
        n++;
        throw new AgentError('image-unknown', 'no');
      },
      clock,
      { patienceMs: 10_000 },
    );
    await expect(p).rejects.toThrow('no');
    expect(n).toBe(1);
  });

  it('keeps the API prefix the contract names', () => {
    expect(AGENT_API_PREFIX).toBe('/api/v1/agent');
  });
});

describe('why the DP cannot be reached', () => {
  const failWith = (err: unknown): typeof httpExchange => () => Promise.reject(err);
  const reason = async (err: unknown, server = 'http://dp.lan:8080'): Promise<string> => {
    const e = await new DpClient({ server, exchange: failWith(err) }).request({ image: 'i', hostname: 'h' }).catch((x: unknown) => x);
    expect(isTransient(e)).toBe(true);
    return (e as Error).message;
  };
  const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

  it.each([
    [withCode('getaddrinfo ENOTFOUND dp.lan', 'ENOTFOUND'), /the name dp\.lan does not resolve \(DNS, ENOTFOUND\)$/],
    [withCode('getaddrinfo EAI_AGAIN dp.lan', 'EAI_AGAIN'), /could not be looked up now \(DNS, EAI_AGAIN\)/],
    [withCode('connect EHOSTUNREACH 10.0.0.5:8080', 'EHOSTUNREACH'), /no route to dp\.lan \(EHOSTUNREACH\)/],
    [withCode('connect ETIMEDOUT 10.0.0.5:8080', 'ETIMEDOUT'), /connecting to dp\.lan:8080 timed out \(ETIMEDOUT\)/],
    // undici's fetch: the code sits on the cause of "fetch failed".
    [new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED 10.0.0.5:8080', 'ECONNREFUSED') }), /nothing listens on dp\.lan:8080 \(ECONNREFUSED\)/],
    // Node trying several addresses: an AggregateError whose errors carry the codes.
    [new AggregateError([withCode('connect ECONNREFUSED ::1:8080', 'ECONNREFUSED')], ''), /\(ECONNREFUSED\)/],
    [withCode('connect EACCES 10.0.0.5:8080', 'EACCES'), /cannot be reached: connect EACCES 10\.0\.0\.5:8080$/],
    [new Error('something odd'), /cannot be reached: something odd$/],
  ])('names the cause of %p', async (err, re) => {
    const message = await reason(err);
    expect(message).toMatch(re);
    expect(message).not.toMatch(/fetch failed/);
  });

  it('a timeout says how long it waited', async () => {
    expect(await reason(new HttpExchangeError('timeout', 'no complete answer in 10000 ms'))).toMatch(/cannot be reached: no answer within 10 s from dp\.lan:8080 \(timeout\)$/);
  });

  it('keeps the code in the error data for --json and logs', async () => {
    const e = await new DpClient({ server: 'http://dp.lan', exchange: failWith(withCode('x', 'ENOTFOUND')) }).request({ image: 'i', hostname: 'h' }).catch((x: unknown) => x);
    expect((e as AgentError).data).toMatchObject({ cause: 'ENOTFOUND' });
  });
});
