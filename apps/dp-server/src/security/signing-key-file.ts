// The DP's Ed25519 signing key (docs/protocol.md, "DP signatures"): one key pair for the DP's whole
// life, kept in its data directory so that agents of a resumed session (same session key, same
// public key in their join reply) still accept its kicks and announces after a restart. The file
// is the only thing that lets anyone speak as the DP on the wire, so it is the owner's alone.
import { generateKeyPairSync, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DpSigningKey } from '@castpoint/wire';
import { DpError } from '../errors';
import { writeFileAtomic } from '../state/store';

export const SIGNING_KEY_FILE = 'dp-signing-key.pem';

/** Reads DATA_DIR's signing key, or creates it (mode 0600) at the DP's first start. */
export function loadOrCreateSigningKey(dataDir: string): DpSigningKey {
  const path = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(path)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    return { privateKey, publicKey };
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new DpError('DP_BAD_SETTING', `${path} is readable by others (mode ${mode.toString(8)}): whoever reads it can speak as this DP; chmod 600 it`, {
      setting: 'data-dir',
    });
  }
  try {
    const privateKey = createPrivateKey(readFileSync(path));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not ed25519`);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (err) {
    throw new DpError('DP_STATE_CORRUPT', `cannot read the DP signing key ${path}: ${(err as Error).message} (delete it to make a new one; running agents must then rejoin)`, { path }, { cause: err });
  }
}
