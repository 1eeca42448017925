// Pinning the DP's certificate by its SHA-256 fingerprint (the agent's --server-fingerprint, the
// admin CLI's): a DP's generated certificate is self-signed, so no CA can vouch for it; the
// fingerprint the DP printed at its first start does. The socket is handed to the HTTP request
// only after the fingerprint matched, so nothing (a client or admin token least of all) is written
// to a server that is not the DP. Here, not in either app, because both need the same check.
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

/** "AB:CD:..." (openssl, the DP's start line), "abcd...", or "sha256:..." -> 64 upper-case hex digits; undefined when it is none of these. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/^sha-?256[:=]?/i, '').replace(/:/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}

/** A certificate whose fingerprint is not the pinned one. */
export class FingerprintMismatchError extends Error {
  readonly code = 'CERT_FINGERPRINT_MISMATCH';
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`the DP's TLS certificate has SHA-256 fingerprint ${got}, not the pinned ${expected}`);
    this.name = 'FingerprintMismatchError';
  }
}

/** An https.Agent that accepts exactly the certificate with this fingerprint (64 hex digits). */
export class PinnedAgent extends https.Agent {
  constructor(
    private readonly pinned: string,
    opts: https.AgentOptions = {},
  ) {
    super(opts);
  }

  override createConnection(options: https.RequestOptions, done?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    // The chain is not checked (self-signed); the fingerprint below is the whole check.
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    const fail = (err: Error): void => {
      socket.destroy();
      done?.(err, socket);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      const got = (socket.getPeerX509Certificate()?.fingerprint256 ?? '').replace(/:/g, '');
      if (got !== this.pinned) {
        fail(new FingerprintMismatchError(this.pinned, got || 'none'));
        return;
      }
      done?.(null, socket);
    });
    // The socket reaches the request through `done`, once checked.
    return undefined;
  }
}
