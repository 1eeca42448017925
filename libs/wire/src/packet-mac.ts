// HMAC-SHA-256 for the per-packet tag, computed as RFC 2104 spells it (two one-shot SHA-256 calls
// over key-padded scratch buffers) instead of createHmac(). Same tags, bit for bit; what changes is
// the cost: createHmac builds a stream object around a native handle for every packet, which on
// Node 20 costs more than hashing the 1.4 KB itself (3.4 us against 2.1 us per packet measured
// here) and leaves a native-backed object per packet for the garbage collector.
import * as crypto from 'node:crypto';

const BLOCK = 64; // SHA-256 block size: keys are padded to it
const DIGEST = 32;
const IPAD = 0x36;
const OPAD = 0x5c;

/** crypto.hash (one-shot) exists from Node 20.12; older runtimes use createHmac. */
const oneShot = typeof (crypto as { hash?: unknown }).hash === 'function';

/** HMAC-SHA-256 under one key, with reusable scratch space. Not re-entrant (it is synchronous). */
export class PacketMac {
  private inner: Buffer;
  private readonly outer = Buffer.alloc(BLOCK + DIGEST);
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    // Keys longer than a block are hashed first (RFC 2104 section 2); ours are 32 bytes.
    const k = key.length > BLOCK ? crypto.createHash('sha256').update(key).digest() : Buffer.from(key);
    this.key = k;
    this.inner = Buffer.alloc(BLOCK + 2048);
    for (let i = 0; i < BLOCK; i++) {
      const b = i < k.length ? (k[i] as number) : 0;
      this.inner[i] = b ^ IPAD;
      this.outer[i] = b ^ OPAD;
    }
  }

  /** The 32-byte HMAC-SHA-256 of `data`. */
  digest(data: Uint8Array): Buffer {
    if (!oneShot) return crypto.createHmac('sha256', this.key).update(data).digest();
    if (this.inner.length < BLOCK + data.length) this.grow(BLOCK + data.length);
    this.inner.set(data, BLOCK);
    const innerHash = crypto.hash('sha256', this.inner.subarray(0, BLOCK + data.length), 'buffer');
    this.outer.set(innerHash, BLOCK);
    return crypto.hash('sha256', this.outer, 'buffer');
  }

  private grow(size: number): void {
    const next = Buffer.alloc(Math.max(size, this.inner.length * 2));
    this.inner.copy(next, 0, 0, BLOCK);
    this.inner = next;
  }
}
