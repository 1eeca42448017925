import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { harnessPerTest, type Harness } from '../testing/harness';

/** The certificate a TLS client gets from the app listening on 127.0.0.1, and a request's status. */
async function served(h: Harness): Promise<{ fingerprint: string; status: number }> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = s.getPeerX509Certificate()?.fingerprint256 ?? '';
      s.write('GET /healthz HTTP/1.1\r\nhost: dp\r\nconnection: close\r\n\r\n');
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve({ fingerprint, status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]) }));
    });
    s.on('error', reject);
  });
}

describe('TLS for the API and the dashboard', () => {
  const make = harnessPerTest();

  it('generates a self-signed certificate at the first start (key 0600), serves HTTPS with it, and keeps it', async () => {
    const h = await make({ tls: 'on' });
    const tls = h.app.dp.tls;
    expect(tls).toMatchObject({ generated: true, certPath: join(h.dir, 'data', 'tls-cert.pem') });
    expect(statSync(join(h.dir, 'data', 'tls-key.pem')).mode & 0o777).toBe(0o600);
    const got = await served(h);
    expect(got).toEqual({ fingerprint: tls?.fingerprint, status: 200 });
    expect(tls?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await h.app.close();
    const again = await make({ tls: 'on' }, h.dir);
    expect(again.app.dp.tls).toMatchObject({ generated: false, fingerprint: tls?.fingerprint });
  });

  it('serves a certificate and key given by file', async () => {
    const first = await make({ tls: 'on' });
    const dir = first.dir;
    copyFileSync(join(dir, 'data', 'tls-cert.pem'), join(dir, 'given-cert.pem'));
    copyFileSync(join(dir, 'data', 'tls-key.pem'), join(dir, 'given-key.pem'));
    const h = await make({ 'tls-cert': join(dir, 'given-cert.pem'), 'tls-key': join(dir, 'given-key.pem') });
    const want = new X509Certificate(readFileSync(join(dir, 'given-cert.pem'))).fingerprint256;
    expect(h.app.dp.tls).toMatchObject({ generated: false, fingerprint: want });
    expect((await served(h)).fingerprint).toBe(want);
  });

  it('stays plain HTTP unless asked, and refuses half or contradictory settings', async () => {
    expect((await make()).app.dp.tls).toBeUndefined();
    const h = await make();
    await expect(make({ 'tls-cert': join(h.dir, 'c.pem') })).rejects.toMatchObject({ code: 'DP_BAD_SETTING', message: expect.stringContaining('tls-key is missing') });
    await expect(make({ tls: 'maybe' })).rejects.toMatchObject({ message: 'tls must be on or off (got "maybe")' });
    chmodSync(h.file, 0o644);
    await expect(make({ 'tls-cert': h.file, 'tls-key': h.file })).rejects.toMatchObject({ message: expect.stringContaining('every user of the host may read it') });
  });
});
