// The per-packet HMAC-SHA-256 tag six ways, in CPU nanoseconds per 1450-byte packet (the tag
// covers header + payload: 1434 bytes), so the cheapest can be kept (issue 29, item 3):
//   createHmac     crypto.createHmac(key).update(p).digest() per packet;
//   hash.copy      SHA-256 states after the key's ipad and opad blocks, made once; per packet two
//                  copy() + update() + digest() (the key blocks are never hashed again);
//   PacketMac      libs/wire's packet-mac.ts over node:crypto: two one-shot crypto.hash calls over
//                  pooled key-padded buffers, the digests as latin1 strings;
//   add-on         PacketMac on castpoint's native add-on (native/packet-mac.c, dist/native): one
//                  N-API call per packet (session 18: kept, the default where it is built);
//   koffi SHA256   HMAC over OpenSSL's low-level SHA256_Init/Update/Final, which Node's executable
//                  exports, reached through koffi (koffi.load(null)): the states after the key's
//                  ipad and opad blocks made once, per packet two state copies and four native
//                  calls, no digest context and no string (session 15: measured slower than
//                  PacketMac, so not used);
//   HMAC()         OpenSSL's one-shot HMAC() through koffi, one native call per packet.
// All must give the same tag (checked before timing). CPU time (process.cpuUsage), not wall
// time: the box is shared. The modes are alternated in rounds and each figure is the median.
// Run: node tools/build/bundle.mjs libs/wire/bench/mac.bench.ts dist/libs/wire/mac.bench.cjs &&
//      node dist/libs/wire/mac.bench.cjs [packets per round, default 200000] [rounds, default 5] [packet bytes, default 1450]
import * as crypto from 'node:crypto';
import { loadNativeAddon } from '../src/native-addon';
import { PacketMac } from '../src/packet-mac';

const PACKET = Number(process.argv[4] ?? '1450');
const TAG_AT = PACKET - 16;
const TAG = 16;
const PER_ROUND = Number(process.argv[2] ?? '200000');
const ROUNDS = Number(process.argv[3] ?? '5');

const key = crypto.createHash('sha256').update('mac bench key').digest();
const packets = Array.from({ length: 64 }, (_, i) => {
  const p = Buffer.alloc(PACKET);
  for (let j = 0; j < PACKET; j++) p[j] = (i * 131 + j * 7) & 0xff;
  return p;
});

/** Each way returns true when the packet's tag verifies (the timed work is what a receiver does). */
type Verify = (p: Buffer) => boolean;

function viaCreateHmac(): Verify {
  return (p) => {
    const mac = crypto.createHmac('sha256', key).update(p.subarray(0, TAG_AT)).digest();
    return crypto.timingSafeEqual(mac.subarray(0, TAG), p.subarray(TAG_AT));
  };
}

function viaHashCopy(): Verify {
  const pad = (b: number): Buffer => {
    const block = Buffer.alloc(64, b);
    for (let i = 0; i < key.length; i++) block[i] = (key[i] as number) ^ b;
    return block;
  };
  const inner = crypto.createHash('sha256').update(pad(0x36));
  const outer = crypto.createHash('sha256').update(pad(0x5c));
  return (p) => {
    const ih = inner.copy().update(p.subarray(0, TAG_AT)).digest();
    const mac = outer.copy().update(ih).digest();
    return crypto.timingSafeEqual(mac.subarray(0, TAG), p.subarray(TAG_AT));
  };
}

function viaPacketMac(): Verify {
  const mac = new PacketMac(key, null);
  return (p) => mac.verify(p, TAG_AT, TAG);
}

function viaAddon(): Verify | undefined {
  const load = loadNativeAddon();
  if ('unavailable' in load) {
    console.log(`add-on: ${load.unavailable}`);
    return undefined;
  }
  const mac = new PacketMac(key, load.addon);
  return (p) => mac.verify(p, TAG_AT, TAG);
}

interface KoffiSelf {
  func(signature: string): (...args: unknown[]) => unknown;
}

/** The running program's own symbols through koffi (from node_modules), or undefined without koffi. */
function koffiSelf(): KoffiSelf | undefined {
  try {
    return (require('koffi') as { load(p: string | null): KoffiSelf }).load(null);
  } catch (err) {
    console.log(`koffi: ${(err as Error).message.split('\n')[0] ?? ''}`);
    return undefined;
  }
}

function viaNative(): Verify | undefined {
  const self = koffiSelf();
  if (!self) return undefined;
  const init = self.func('int SHA256_Init(void *)');
  const update = self.func('int SHA256_Update(void *, const void *, size_t)');
  const final = self.func('int SHA256_Final(void *, void *)');
  // sizeof(SHA256_CTX) is 112 in OpenSSL 1.0-3.x; the buffers are larger to be safe.
  const keyed = (pad: number): Uint8Array => {
    const block = Buffer.alloc(64, pad);
    for (let i = 0; i < key.length; i++) block[i] = (key[i] as number) ^ pad;
    const state = new Uint8Array(256);
    init(state);
    update(state, block, 64);
    return state;
  };
  const inner = keyed(0x36);
  const outer = keyed(0x5c);
  const state = new Uint8Array(256);
  const innerDigest = new Uint8Array(32);
  const mac = new Uint8Array(32);
  return (p) => {
    state.set(inner);
    update(state, p, TAG_AT);
    final(innerDigest, state);
    state.set(outer);
    update(state, innerDigest, 32);
    final(mac, state);
    let diff = 0;
    for (let i = 0; i < TAG; i++) diff |= (mac[i] as number) ^ (p[TAG_AT + i] as number);
    return diff === 0;
  };
}

/**
 * OpenSSL's one-shot HMAC() through koffi, one native call per packet: what the four calls of
 * `native` are weighed against (it fetches the HMAC and digest implementations by name per call).
 */
function viaOneShotHmac(): Verify | undefined {
  const self = koffiSelf();
  if (!self) return undefined;
  const evpSha256 = self.func('void *EVP_sha256()');
  const hmac = self.func('void *HMAC(void *, const void *, int, const void *, size_t, void *, void *)');
  const md = evpSha256();
  const out = Buffer.alloc(32);
  return (p) => {
    hmac(md, key, key.length, p, TAG_AT, out, null);
    let diff = 0;
    for (let i = 0; i < TAG; i++) diff |= (out[i] as number) ^ (p[TAG_AT + i] as number);
    return diff === 0;
  };
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function main(): void {
  const ways: [string, Verify][] = [
    ['createHmac', viaCreateHmac()],
    ['hash.copy', viaHashCopy()],
    ['PacketMac', viaPacketMac()],
  ];
  const addon = viaAddon();
  if (addon) ways.push(['add-on', addon]);
  const native = viaNative();
  if (native) ways.push(['koffi SHA256', native]);
  const oneShot = viaOneShotHmac();
  if (oneShot) ways.push(['HMAC()', oneShot]);
  // Tag every packet with PacketMac, then every way must accept it, and reject a flipped bit.
  const signer = new PacketMac(key, null);
  for (const p of packets) signer.sign(p, TAG_AT, TAG);
  for (const [name, verify] of ways) {
    for (const p of packets) if (!verify(p)) throw new Error(`${name} rejects a good tag`);
    const bad = Buffer.from(packets[0] as Buffer);
    bad[3] = (bad[3] as number) ^ 1;
    if (verify(bad)) throw new Error(`${name} accepts a forged packet`);
    for (let i = 0; i < 20_000; i++) verify(packets[i & 63] as Buffer); // warm-up (JIT, OpenSSL)
  }
  const samples = new Map<string, number[]>(ways.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, verify] of ways) {
      const start = cpuNs();
      let ok = 0;
      for (let i = 0; i < PER_ROUND; i++) if (verify(packets[i & 63] as Buffer)) ok++;
      const ns = (cpuNs() - start) / PER_ROUND;
      if (ok !== PER_ROUND) throw new Error(`${name}: ${PER_ROUND - ok} tags failed`);
      samples.get(name)?.push(ns);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`HMAC-SHA-256/128 verify of a ${PACKET}-byte packet, CPU ns per packet (median of ${ROUNDS} rounds of ${PER_ROUND})`);
  const rows = ways.map(([name]) => ({ way: name, nsPerPacket: median(samples.get(name) ?? []), rounds: samples.get(name) ?? [] }));
  for (const r of rows) console.log(`${r.way.padEnd(13)} ${r.nsPerPacket.toFixed(0).padStart(7)} ns   (${r.rounds.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(JSON.stringify({ bench: 'wire-mac', packetBytes: PACKET, rows: rows.map(({ way, nsPerPacket }) => ({ way, nsPerPacket })) }));
}

main();
