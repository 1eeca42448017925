// TLS for the API and the dashboard: a certificate and key given (--tls-cert, --tls-key), or,
// with --tls on, one generated at the first start (self-signed, ECDSA P-256, kept in DATA_DIR as
// tls-cert.pem and tls-key.pem) and used again at every start after. Agents cannot check a
// self-signed certificate against a CA: they pin its SHA-256 fingerprint (--server-fingerprint),
// which the start line prints.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { DpError } from '../errors';
import { writeFileAtomic } from '../state/store';

export const TLS_CERT_FILE = 'tls-cert.pem';
export const TLS_KEY_FILE = 'tls-key.pem';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the certificate (DER), upper-case hex pairs joined by colons, as openssl prints it. */
  readonly fingerprint: string;
  readonly certPath: string;
  /** Made by this start. */
  readonly generated: boolean;
}

export interface TlsSettings {
  readonly tls: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

function readPem(path: string, setting: 'tls-cert' | 'tls-key'): string {
  try {
    if (setting === 'tls-key' && (statSync(path).mode & 0o004) !== 0) {
      throw new DpError('DP_BAD_SETTING', `tls-key ${path}: every user of the host may read it: chmod o-r it`, { setting, value: path });
    }
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof DpError) throw err;
    throw new DpError('DP_BAD_SETTING', `${setting} ${path}: cannot read it: ${(err as Error).message}`, { setting, value: path }, { cause: err });
  }
}

function fingerprintOf(cert: string, certPath: string): string {
  try {
    return new X509Certificate(cert).fingerprint256;
  } catch (err) {
    throw new DpError('DP_BAD_SETTING', `tls-cert ${certPath}: not a PEM certificate: ${(err as Error).message}`, { setting: 'tls-cert', value: certPath }, { cause: err });
  }
}

/** Undefined when TLS is off. `listenHost` goes into a generated certificate's names. */
export async function loadTls(s: TlsSettings, dataDir: string, listenHost: string, nowMs: number): Promise<TlsMaterial | undefined> {
  if (!s.tls) return undefined;
  if (s.tlsCert !== undefined && s.tlsKey !== undefined) {
    const certPath = resolve(s.tlsCert);
    const cert = readPem(certPath, 'tls-cert');
    const key = readPem(resolve(s.tlsKey), 'tls-key');
    return { cert, key, fingerprint: fingerprintOf(cert, certPath), certPath, generated: false };
  }
  const certPath = join(dataDir, TLS_CERT_FILE);
  const keyPath = join(dataDir, TLS_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readPem(certPath, 'tls-cert');
    return { cert, key: readPem(keyPath, 'tls-key'), fingerprint: fingerprintOf(cert, certPath), certPath, generated: false };
  }
  const names: Array<{ type: 2; value: string } | { type: 7; ip: string }> = [{ type: 2, value: hostname() }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(listenHost) && listenHost !== '0.0.0.0' && listenHost !== '127.0.0.1') names.push({ type: 7, ip: listenHost });
  const pems = await generate([{ name: 'commonName', value: `castpoint-dp ${hostname()}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(nowMs - 60_000),
    // Agents pin the fingerprint, which an expiry would only break: ten years.
    notAfterDate: new Date(nowMs + 10 * 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names },
    ],
  });
  writeFileAtomic(keyPath, pems.private, 0o600);
  writeFileAtomic(certPath, pems.cert, 0o644);
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert, certPath), certPath, generated: true };
}
