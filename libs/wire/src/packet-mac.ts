// HMAC-SHA-256 for the per-packet tag, computed as RFC 2104 spells it (two one-shot SHA-256 calls
// over key-padded scratch buffers) instead of createHmac(). Same tags, bit for bit; what changes is
// the cost, which every packet pays at both ends:
// - createHmac builds a stream object around a native handle for every packet, which on Node 20
//   costs more than hashing the 1.4 KB itself (3.4 us against 2.1 us per packet measured here);
// - the digests come back as 32-character latin1 strings, not Buffers, and the packet is copied
//   and compared by offset, so a packet leaves almost nothing for the young-generation collector
//   (a Buffer and a few views per packet were ~1 KB of garbage, a third of the agent's).
// Where castpoint's native add-on loads (native-addon.ts), sign and verify go to it instead: one
// native call per packet, about half the CPU again. This code stays as the engine everywhere else
// (Windows, a machine without a compiler at build time) and as the reference the add-on is tested
// against.
import * as crypto from 'node:crypto';
import type { NativeAddon } from './native-addon';
import { defaultNativeAddon } from './packet-crypto-engine';

const BLOCK = 64; // SHA-256 block size: keys are padded to it
const DIGEST = 32;
const IPAD = 0x36;
const OPAD = 0x5c;

// crypto.hash (one-shot) exists from Node 20.12: package.json's engines field asks for it.
const copyBytes = Buffer.prototype.copy;

/** HMAC-SHA-256 under one key, with reusable scratch space. Not re-entrant (it is synchronous). */
export class PacketMac {
  /** The native engine and this key's state in it, or null: node:crypto (the code below). */
  private readonly addon: NativeAddon | null;
  private readonly state: unknown;
  private inner: Buffer;
  private readonly outer = Buffer.alloc(BLOCK + DIGEST);
  /** inner[0, BLOCK + viewLength): packets of one session mostly share a length, so reuse it. */
  private view: Buffer;
  private viewLength = -1;

  /** `addon`: the engine (default: the add-on when it loads); null for node:crypto. */
  constructor(key: Uint8Array, addon: NativeAddon | null = defaultNativeAddon()) {
    this.addon = addon;
    this.state = addon === null ? undefined : addon.create(key);
    // Keys longer than a block are hashed first (RFC 2104 section 2); ours are 32 bytes.
    const k = key.length > BLOCK ? crypto.createHash('sha256').update(key).digest() : key;
    this.inner = Buffer.alloc(BLOCK + 2048);
    this.view = this.inner;
    for (let i = 0; i < BLOCK; i++) {
      const b = i < k.length ? (k[i] as number) : 0;
      this.inner[i] = b ^ IPAD;
      this.outer[i] = b ^ OPAD;
    }
  }

  /** The 32-byte HMAC-SHA-256 of `data`. */
  digest(data: Uint8Array): Buffer {
    return Buffer.from(this.mac(data, data.length), 'latin1');
  }

  /** Writes the first `size` bytes of HMAC(packet[0, tagAt)) at packet[tagAt]. */
  sign(packet: Uint8Array, tagAt: number, size: number): void {
    if (size > DIGEST || tagAt + size > packet.length) throw new RangeError(`a ${size}-byte tag at ${tagAt} does not fit a ${packet.length}-byte packet`);
    if (this.addon !== null) return this.addon.sign(this.state, packet, tagAt, size);
    const mac = this.mac(packet, tagAt);
    for (let i = 0; i < size; i++) packet[tagAt + i] = mac.charCodeAt(i);
  }

  /** True when packet[tagAt, tagAt + size) is the first `size` bytes of HMAC(packet[0, tagAt)). */
  verify(packet: Uint8Array, tagAt: number, size: number): boolean {
    if (size > DIGEST || tagAt + size > packet.length) return false;
    if (this.addon !== null) return this.addon.verify(this.state, packet, tagAt, size);
    const mac = this.mac(packet, tagAt);
    // Constant time: no early exit, the same work whatever byte differs.
    let diff = 0;
    for (let i = 0; i < size; i++) diff |= mac.charCodeAt(i) ^ (packet[tagAt + i] as number);
    return diff === 0;
  }

  /** HMAC of data[0, length) as a 32-character latin1 string. */
  private mac(data: Uint8Array, length: number): string {
    if (this.inner.length < BLOCK + length) this.grow(BLOCK + length);
    copyBytes.call(data, this.inner, BLOCK, 0, length);
    if (length !== this.viewLength) {
      this.view = this.inner.subarray(0, BLOCK + length);
      this.viewLength = length;
    }
    this.outer.write(crypto.hash('sha256', this.view, 'binary'), BLOCK, 'latin1');
    return crypto.hash('sha256', this.outer, 'binary');
  }

  private grow(size: number): void {
    const next = Buffer.alloc(Math.max(size, this.inner.length * 2));
    this.inner.copy(next, 0, 0, BLOCK);
    this.inner = next;
    this.viewLength = -1;
  }
}
