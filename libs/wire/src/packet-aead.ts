// The encrypted mode's per-packet AES-256-GCM (docs/protocol.md): nonce = header bytes 12..23
// (sender id || seq), additional data = the header, the body encrypted, a 16-byte tag. On the
// native add-on one call seals or opens a packet with contexts made once per key; on node:crypto
// every packet builds a cipher object (~12 us to seal a 1450-byte packet, against ~1 us native,
// docs/benchmarks.md session 18). Same bytes either way.
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { NONCE_OFFSET, NONCE_SIZE, TAG_SIZE } from './header';
import type { NativeAddon } from './native-addon';
import { defaultNativeAddon } from './packet-crypto-engine';

/** AES-256-GCM under one key. Not re-entrant (it is synchronous). */
export class PacketAead {
  private readonly addon: NativeAddon | null;
  private readonly state: unknown;

  /** `addon`: the engine (default: the add-on when it loads); null for node:crypto. */
  constructor(
    private readonly key: KeyObject,
    addon: NativeAddon | null = defaultNativeAddon(),
  ) {
    this.addon = addon;
    this.state = addon === null ? undefined : addon.aeadCreate(key.export());
  }

  /** Encrypts packet[headerSize, tagAt) in place and writes the tag at tagAt (the header is authenticated). */
  seal(packet: Uint8Array, headerSize: number, tagAt: number): void {
    if (headerSize < NONCE_OFFSET + NONCE_SIZE || headerSize > tagAt || tagAt + TAG_SIZE > packet.length) {
      throw new RangeError(`a ${headerSize}-byte header, body to ${tagAt} and tag do not fit a ${packet.length}-byte packet`);
    }
    if (this.addon !== null) return this.addon.aeadSeal(this.state, packet, NONCE_OFFSET, headerSize, tagAt);
    const cipher = createCipheriv('aes-256-gcm', this.key, packet.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_SIZE), { authTagLength: TAG_SIZE });
    cipher.setAAD(packet.subarray(0, headerSize));
    const first = cipher.update(packet.subarray(headerSize, tagAt));
    packet.set(first, headerSize);
    packet.set(cipher.final(), headerSize + first.length);
    packet.set(cipher.getAuthTag(), tagAt);
  }

  /** The plain body of packet[headerSize, tagAt) as a fresh buffer, or undefined when the tag does not hold. */
  open(packet: Uint8Array, headerSize: number, tagAt: number): Buffer | undefined {
    if (headerSize < NONCE_OFFSET + NONCE_SIZE || headerSize > tagAt || tagAt + TAG_SIZE > packet.length) return undefined;
    if (this.addon !== null) {
      const out = Buffer.allocUnsafe(tagAt - headerSize);
      return this.addon.aeadOpen(this.state, packet, NONCE_OFFSET, headerSize, tagAt, out) ? out : undefined;
    }
    // final() reports a bad tag by throwing; without a stack trace the throw costs far less, which
    // matters when forged packets arrive at line rate. Restored before returning (synchronous).
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, packet.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_SIZE), { authTagLength: TAG_SIZE });
      decipher.setAAD(packet.subarray(0, headerSize));
      decipher.setAuthTag(packet.subarray(tagAt, tagAt + TAG_SIZE));
      const first = decipher.update(packet.subarray(headerSize, tagAt));
      // final() throws when the tag does not match; nothing decrypted is used before it returns.
      const rest = decipher.final();
      return rest.length === 0 ? first : Buffer.concat([first, rest]);
    } catch {
      return undefined;
    } finally {
      Error.stackTraceLimit = stackLimit;
    }
  }
}
