import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { AgentError } from '../errors';
import { validateDeployOptions } from '../options';
import { DpClient } from './dp-client';
import { normalizeFingerprint } from '@castpoint/wire';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

describe('normalizeFingerprint', () => {
  it.each([
    [FP, FP.replace(/:/g, '')],
    [FP.toLowerCase().replace(/:/g, ''), FP.replace(/:/g, '')],
    [`sha256:${FP}`, FP.replace(/:/g, '')],
    ['AB:CD', undefined],
    [`${FP}:00`, undefined],
    ['zz'.repeat(32), undefined],
  ])('%s -> %s', (text, want) => {
    expect(normalizeFingerprint(text)).toBe(want);
  });
});

describe('--server-fingerprint', () => {
  const ctx = { env: {}, stdoutIsTty: false, cwd: '/tmp' };
  const base = { server: 'https://10.0.0.5:8443', image: 'img', target: '/tmp/disk.img' };
  it('takes the fingerprint as the DP prints it, for an https server only', () => {
    expect(validateDeployOptions({ ...base, serverFingerprint: FP }, ctx).serverFingerprint).toBe(FP.replace(/:/g, ''));
    expect(() => validateDeployOptions({ ...base, server: 'http://10.0.0.5:8080', serverFingerprint: FP }, ctx)).toThrow(/give an https:\/\/ --server/);
    expect(() => validateDeployOptions({ ...base, serverFingerprint: 'AB:CD' }, ctx)).toThrow(/64 hex digits/);
  });
});

describe('DpClient pinning a self-signed DP certificate (real TLS listener on 127.0.0.1)', () => {
  let server: Server;
  let url: string;
  let fingerprint: string;
  const seen: string[] = [];
  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'castpoint-dp test' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    fingerprint = new X509Certificate(pems.cert).fingerprint256;
    server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"state":"receiving"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const progress = { receiverId: 1, image: 'img', state: 'receiving' as const, chunksDone: 1, totalChunks: 2, bytesDone: 1, rateBps: 1, repairedSymbols: 0 };

  it('talks to the DP whose certificate has the pinned fingerprint', async () => {
    const dp = new DpClient({ server: url, token: 'client-token', serverFingerprint: normalizeFingerprint(fingerprint) ?? '' });
    expect(await dp.progress(progress)).toBe(true);
    expect(seen).toEqual(['POST /api/v1/agent/progress Bearer client-token']);
  });

  it('refuses another certificate before sending anything (the token never leaves)', async () => {
    const dp = new DpClient({ server: url, token: 'client-token', serverFingerprint: FP.replace(/:/g, '') });
    const err = await dp.progress(progress).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'dp-refused', message: expect.stringContaining(`has SHA-256 fingerprint ${normalizeFingerprint(fingerprint) ?? ''}, not the pinned`) });
    expect(seen).toEqual([]);
  });

  it('without a pin, refuses the self-signed certificate as node does', async () => {
    const dp = new DpClient({ server: url, token: 'client-token' });
    await expect(dp.progress(progress)).rejects.toMatchObject({ code: 'dp-unreachable', message: expect.stringMatching(/self-signed|SELF_SIGNED/i) });
    expect(seen).toEqual([]);
  });
});
