// The capture client against a local HTTP server (127.0.0.1): the token it sends, and the DP's own
// words kept in a 401/403 (an expired capture grant must say so, not "needs a token").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentError } from '../errors';
import { CaptureClient } from './capture-client';

let server: Server;
let url = '';
const seen: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'DP_CAPTURE_GRANT', message: 'the capture grant expired at 2026-12-06T12:00:00.000Z: ask the DP for the assignment again' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('sends its token and keeps the DP\'s reason in a 403', async () => {
  const c = new CaptureClient({ server: url, token: 'cpc1.grant', attempts: 1 });
  const err = await c.finish('ref').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AgentError);
  expect((err as AgentError).code).toBe('dp-refused');
  expect((err as AgentError).message).toBe(
    "The DP refused POST /api/v1/captures/ref/finish (HTTP 403): capture needs the DP's capture or admin token (--token or $CASTPOINT_TOKEN); the DP says DP_CAPTURE_GRANT: the capture grant expired at 2026-12-06T12:00:00.000Z: ask the DP for the assignment again",
  );
  expect(seen).toEqual(['Bearer cpc1.grant']);
});
