// The packet cryptography's native engine: castpoint-native.node (libs/wire/native: the HMAC in
// packet-mac.c, AES-256-GCM in packet-aead.c), built with the system compiler where there is one
// (native/build.mjs). It gives the same bytes as node:crypto at less than half the CPU per packet
// for the HMAC and about a sixth for AES-GCM, which the DP pays for every datagram it sends and an
// agent for every one it receives (docs/benchmarks.md, session 18).
// The file is optional. It is looked for beside the running bundle (dist/apps/X/), in the build's
// dist/native (from a bundle or from these sources), or at a path the caller gives (a single
// executable writes its asset out first: apps/client-agent native-addon-asset.ts). A file that
// will not load, or that fails its self-test (RFC 4231's HMAC-SHA-256 vectors, AES-GCM both ways
// against node:crypto), is refused with the reason, and the keys keep node:crypto.
// CASTPOINT_NATIVE=0 refuses it on purpose (to compare, or to rule it out).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const NATIVE_ADDON_FILE = 'castpoint-native.node';

/** What castpoint-native.node exports (packet-mac.c, packet-aead.c). */
export interface NativeAddon {
  /** The key's HMAC states, made once (an opaque handle). */
  create(key: Uint8Array): unknown;
  /** packet[tagAt, tagAt + size) = HMAC-SHA-256(packet[0, tagAt))[0, size); RangeError when it does not fit. */
  sign(state: unknown, packet: Uint8Array, tagAt: number, size: number): void;
  /** Whether packet[tagAt, tagAt + size) is that tag (false when it does not fit). */
  verify(state: unknown, packet: Uint8Array, tagAt: number, size: number): boolean;
  /** An AES-256 key's sealing and opening contexts, made once (an opaque handle). */
  aeadCreate(key: Uint8Array): unknown;
  /**
   * AES-256-GCM in place: nonce packet[nonceAt, +12), additional data packet[0, headerSize), body
   * packet[headerSize, tagAt) encrypted, the 16-byte tag written at tagAt.
   */
  aeadSeal(state: unknown, packet: Uint8Array, nonceAt: number, headerSize: number, tagAt: number): void;
  /** Whether the tag holds; the plain body goes to `out` (zeroed when it does not). */
  aeadOpen(state: unknown, packet: Uint8Array, nonceAt: number, headerSize: number, tagAt: number, out: Uint8Array): boolean;
  /**
   * One non-blocking sendmsg(2) of buf[start, start + length) to address:port (address a.b.c.d as
   * the number a << 24 | b << 16 | c << 8 | d) on descriptor `fd`: as datagrams of `segmentSize`
   * bytes (UDP_SEGMENT; the last may be shorter) when segmentSize > 0 and length exceeds it, else as
   * one datagram. The bytes the kernel took, or -errno. libs/transport's frame sender uses it
   * (udp-send.c); absent from an add-on built before it existed.
   */
  udpSendSegments?(fd: number, buf: Uint8Array, start: number, length: number, segmentSize: number, address: number, port: number): number;
}

export type NativeAddonLoad = { readonly addon: NativeAddon; readonly file: string } | { readonly unavailable: string };

/**
 * This code's file, or null where it has none: code evaluated from a string (tools/bench's
 * rogue-nacker bundles wire at run time and runs it through `new Function`) has no __filename.
 */
function codeFileHere(): string | null {
  return typeof __filename === 'string' ? __filename : null;
}

/** Where the add-on may be, in order: beside this code (a bundle), then the build's dist/native. */
export function nativeAddonCandidates(codeFile: string | null = codeFileHere()): string[] {
  if (codeFile === null) return [];
  const dir = path.dirname(codeFile);
  return [
    path.join(dir, NATIVE_ADDON_FILE),
    // dist/apps/<app>/main.cjs and dist/tools/bench/*.cjs
    path.resolve(dir, '../../native', NATIVE_ADDON_FILE),
    // libs/wire/src/native-addon.ts (jest, ts sources)
    path.resolve(dir, '../../../dist/native', NATIVE_ADDON_FILE),
    // dist/transport-bench/*.cjs
    path.resolve(dir, '../native', NATIVE_ADDON_FILE),
  ];
}

// RFC 4231 section 4: test cases 1, 2 and 6 (a 20-byte key, a short key, a key longer than a block).
const RFC4231: ReadonlyArray<{ key: Buffer; data: Buffer; mac: string }> = [
  { key: Buffer.alloc(20, 0x0b), data: Buffer.from('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { key: Buffer.from('Jefe'), data: Buffer.from('what do ya want for nothing?'), mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  {
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
];

/** Why `addon` is not a working HMAC-SHA-256, or undefined when it reproduces every vector. */
export function selfTestNativeAddon(addon: NativeAddon): string | undefined {
  for (const [i, v] of RFC4231.entries()) {
    const packet = Buffer.concat([v.data, Buffer.alloc(32)]);
    addon.sign(addon.create(v.key), packet, v.data.length, 32);
    const got = packet.subarray(v.data.length).toString('hex');
    if (got !== v.mac) return `RFC 4231 vector ${i + 1} gave ${got}, not ${v.mac}`;
    if (!addon.verify(addon.create(v.key), packet, v.data.length, 32)) return `RFC 4231 vector ${i + 1} did not verify`;
    packet[0] = (packet[0] as number) ^ 1;
    if (addon.verify(addon.create(v.key), packet, v.data.length, 32)) return `RFC 4231 vector ${i + 1} verified with a changed byte`;
  }
  return selfTestAead(addon);
}

/** AES-256-GCM both ways against node:crypto (the same OpenSSL, through its own API). */
function selfTestAead(addon: NativeAddon): string | undefined {
  const key = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) key[i] = (i * 37 + 11) & 0xff;
  // A 40-byte header with the nonce at 12, a 100-byte body, the tag.
  const plain = Buffer.alloc(156);
  for (let i = 0; i < 140; i++) plain[i] = (i * 13 + 5) & 0xff;
  const nonce = (p: Buffer): Buffer => p.subarray(12, 24);
  const sealed = Buffer.from(plain);
  addon.aeadSeal(addon.aeadCreate(key), sealed, 12, 40, 140);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(sealed), { authTagLength: 16 });
  decipher.setAAD(sealed.subarray(0, 40));
  decipher.setAuthTag(sealed.subarray(140));
  let body: Buffer;
  try {
    body = Buffer.concat([decipher.update(sealed.subarray(40, 140)), decipher.final()]);
  } catch {
    return 'node:crypto refused what it sealed';
  }
  if (!body.equals(plain.subarray(40, 140))) return 'node:crypto decrypted what it sealed to other bytes';
  const other = Buffer.from(plain);
  const cipher = createCipheriv('aes-256-gcm', key, nonce(other), { authTagLength: 16 });
  cipher.setAAD(other.subarray(0, 40));
  cipher.update(other.subarray(40, 140)).copy(other, 40);
  cipher.final();
  cipher.getAuthTag().copy(other, 140);
  const out = Buffer.alloc(100);
  if (!addon.aeadOpen(addon.aeadCreate(key), other, 12, 40, 140, out) || !out.equals(plain.subarray(40, 140))) return "it did not open node:crypto's packet";
  other[3] = (other[3] as number) ^ 1;
  if (addon.aeadOpen(addon.aeadCreate(key), other, 12, 40, 140, out)) return 'it opened a packet with a changed header byte';
  return undefined;
}

function isAddon(x: unknown): x is NativeAddon {
  const o = x as Partial<Record<keyof NativeAddon, unknown>> | null;
  return typeof o === 'object' && o !== null && (['create', 'sign', 'verify', 'aeadCreate', 'aeadSeal', 'aeadOpen'] as const).every((f) => typeof o[f] === 'function');
}

/**
 * Loads and checks the add-on: from `file` when given, else from the first candidate that exists.
 * Never throws: a missing or broken file comes back as `{ unavailable: why }`.
 */
export function loadNativeAddon(file?: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NativeAddonLoad {
  if (env['CASTPOINT_NATIVE'] === '0') return { unavailable: 'turned off (CASTPOINT_NATIVE=0)' };
  if (platform !== 'linux') return { unavailable: `built for Linux only (this is ${platform})` };
  const candidates = file === undefined ? nativeAddonCandidates() : [file];
  if (candidates.length === 0) return { unavailable: `no ${NATIVE_ADDON_FILE} to look for: this code was not loaded from a file` };
  const found = candidates.find((f) => existsSync(f));
  if (found === undefined) return { unavailable: `no ${NATIVE_ADDON_FILE} (looked in ${candidates.join(', ')})` };
  const mod: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(mod, found);
  } catch (err) {
    return { unavailable: `${found} did not load: ${(err as Error).message}` };
  }
  if (!isAddon(mod.exports)) return { unavailable: `${found} is not castpoint's add-on (no create, sign, verify, aeadCreate, aeadSeal and aeadOpen)` };
  let why: string | undefined;
  try {
    why = selfTestNativeAddon(mod.exports);
  } catch (err) {
    why = `it threw: ${(err as Error).message}`;
  }
  if (why !== undefined) return { unavailable: `${found} failed its self-test: ${why}` };
  return { addon: mod.exports, file: found };
}
