// The admin CLI against a DP with a self-signed certificate (a real TLS listener on 127.0.0.1), with
// no NODE_EXTRA_CA_CERTS: it pins the fingerprint given by --server-fingerprint, or the certificate
// the DP generated in --data-dir; another certificate never sees the admin token.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { testIo } from '../testing/cli-io';
import { apiClient, UsageError } from './api-args';

const OTHER = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

describe('admin CLI pinning the DP certificate', () => {
  let server: Server;
  let url: string;
  let fingerprint: string;
  let dataDir: string;
  const seen: string[] = [];
  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'castpoint-dp test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    fingerprint = new X509Certificate(pems.cert).fingerprint256;
    dataDir = mkdtempSync(join(tmpdir(), 'cp-cli-pin-'));
    writeFileSync(join(dataDir, 'tls-cert.pem'), pems.cert);
    server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      if (req.method === 'DELETE') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('[{"name":"img"}]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // Not one of the certificate's names: a pin does not depend on them (NODE_EXTRA_CA_CERTS did).
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => (seen.length = 0));

  const io = testIo(undefined);
  const call = (args: Record<string, string>, env: NodeJS.ProcessEnv = {}, method = 'GET') => apiClient({ server: url, token: 'admin-token', ...args }, io, env).call(method, '/api/v1/images');
  const failure = (p: Promise<unknown>): Promise<Error | undefined> =>
    p.then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  it('talks to the DP whose certificate has the fingerprint given by --server-fingerprint or CASTPOINT_SERVER_FINGERPRINT', async () => {
    expect(await call({ 'server-fingerprint': fingerprint })).toEqual([{ name: 'img' }]);
    expect(await call({}, { CASTPOINT_SERVER_FINGERPRINT: fingerprint.replace(/:/g, '').toLowerCase() })).toEqual([{ name: 'img' }]);
    // An answer without a body (204) too.
    expect(await call({ 'server-fingerprint': fingerprint }, {}, 'DELETE')).toBeUndefined();
    expect(seen).toEqual(['GET /api/v1/images Bearer admin-token', 'GET /api/v1/images Bearer admin-token', 'DELETE /api/v1/images Bearer admin-token']);
  });

  it("on the DP's host, pins the certificate in --data-dir or CASTPOINT_DATA_DIR", async () => {
    expect(await call({ 'data-dir': dataDir })).toEqual([{ name: 'img' }]);
    expect(await call({}, { CASTPOINT_DATA_DIR: dataDir })).toEqual([{ name: 'img' }]);
    expect(seen).toHaveLength(2);
  });

  it('refuses another certificate before sending anything, naming where the pin came from', async () => {
    const err = await failure(call({ 'server-fingerprint': OTHER }));
    expect(err?.message).toBe(`the server at ${url} is not the DP pinned by --server-fingerprint: the DP's TLS certificate has SHA-256 fingerprint ${fingerprint.replace(/:/g, '')}, not the pinned ${OTHER.replace(/:/g, '')}`);
    expect(seen).toEqual([]);
  });

  it('without a pin, says the certificate is self-signed and how to pin it', async () => {
    const err = await failure(call({}));
    expect(err?.message).toMatch(/^cannot reach https:\/\/127\.0\.0\.1:\d+: fetch failed: self[- ]signed certificate.*; pin the DP's certificate with --server-fingerprint \(its start line prints it\) or, on the DP's host, --data-dir$/);
    expect(seen).toEqual([]);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a fingerprint that is not a SHA-256', { 'server-fingerprint': 'AB:CD' }, /^--server-fingerprint must be a SHA-256 fingerprint: 64 hex digits/],
    ['a fingerprint with an http server', { server: 'http://127.0.0.1:8080', 'server-fingerprint': OTHER }, /^--server-fingerprint pins the DP's TLS certificate: give an https:\/\/ --server/],
  ])('refuses %s as a usage error', (_why, args, message) => {
    expect(() => apiClient({ server: url, token: 't', ...args }, io, {})).toThrow(UsageError);
    expect(() => apiClient({ server: url, token: 't', ...args }, io, {})).toThrow(message);
  });
});
