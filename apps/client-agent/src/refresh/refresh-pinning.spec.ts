// `castpoint-agent refresh --server-fingerprint`: checked as deploy checks it, it pins the DP's
// certificate for the refresh request (real TLS listener on 127.0.0.1): the right certificate is
// talked to, another never sees the client token. The command line itself (yargs, ESM: not
// loadable by this project's jest) is covered by tests/integration/tls-pinning.test.ts.
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { normalizeFingerprint } from '@castpoint/wire';
import { refreshDpClient } from '../refresh-command';
import { validateRefreshOptions } from './refresh-options';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const ctx = { env: {}, stdoutIsTty: false, cwd: '/tmp' };

describe('refresh pinning a self-signed DP certificate (real TLS listener on 127.0.0.1)', () => {
  let server: Server;
  let url: string;
  let fingerprint: string;
  const seen: string[] = [];
  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'castpoint-dp test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    fingerprint = new X509Certificate(pems.cert).fingerprint256;
    server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"machine":"pc1","deployment":"lab","image":"img","rearmed":1}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const body = { macs: ['52:54:00:12:34:56'] };

  it('re-arms through the DP whose certificate has the pinned fingerprint', async () => {
    const opts = validateRefreshOptions({ server: url, token: 'client-token', serverFingerprint: fingerprint }, ctx);
    expect(await refreshDpClient(opts).refresh(body)).toEqual({ machine: 'pc1', deployment: 'lab', image: 'img', rearmed: 1 });
    expect(seen).toEqual(['POST /api/v1/agent/refresh Bearer client-token']);
  });

  it('refuses another certificate with a clear message before sending anything', async () => {
    const opts = validateRefreshOptions({ server: url, token: 'client-token', serverFingerprint: FP }, ctx);
    const err = await refreshDpClient(opts)
      .refresh(body)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({
      code: 'dp-refused',
      message: expect.stringContaining(`is not the DP pinned by --server-fingerprint: the DP's TLS certificate has SHA-256 fingerprint ${normalizeFingerprint(fingerprint) ?? ''}, not the pinned`),
    });
    expect(seen).toEqual([]);
  });
});
