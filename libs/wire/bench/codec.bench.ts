// Benchmark of the data-packet hot path on one core: encode, and decode + authenticate, with
// 1400-byte payloads, in HMAC-SHA-256/128 and AES-256-GCM modes. Prints a table, then (last line)
// one JSON object with the figures. Run: npx nx run wire:bench (WIRE_BENCH_SECONDS sets the time
// per case, default 1).
import { createSessionKey, decodePacket, encodePacket, type Envelope, type SessionKey } from '../src/index';

const PAYLOAD = 1400;
const SECONDS = Number(process.env['WIRE_BENCH_SECONDS'] ?? '1');
const RING = 1024;

interface Row {
  mode: 'hmac' | 'gcm';
  op: 'encode' | 'decode+auth' | 'reject forged';
  packets: number;
  packetsPerSec: number;
  /** Payload bits per second (what the image transfer gets). */
  payloadGbps: number;
  /** Whole datagram bits per second (header + payload + tag). */
  wireGbps: number;
}

function payload(seed: number): Uint8Array {
  // Deterministic filler (xorshift), so runs compare like with like.
  const out = new Uint8Array(PAYLOAD);
  let x = seed | 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i % items.length];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

function envelope(seq: number): Envelope {
  return { sessionId: 7, senderId: 0x80000001, seq: BigInt(seq), sentAtMs: seq & 0xffffffff };
}

/** Runs `op(i)` in batches until SECONDS have passed; returns packets/s. */
function measure(op: (i: number) => void): { packets: number; perSec: number } {
  for (let i = 0; i < 2000; i++) op(i); // warm-up: JIT and OpenSSL contexts
  const budget = BigInt(Math.round(SECONDS * 1e9));
  const start = process.hrtime.bigint();
  let n = 0;
  let elapsed = 0n;
  do {
    for (let j = 0; j < 256; j++) op(n++);
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return { packets: n, perSec: n / (Number(elapsed) / 1e9) };
}

function bench(mode: 'hmac' | 'gcm'): Row[] {
  const key: SessionKey = createSessionKey(new Uint8Array(32).fill(0x42), mode === 'gcm');
  const payloads = Array.from({ length: 16 }, (_, i) => payload(i + 1));
  const message = (i: number) => ({ type: 'data' as const, block: i >>> 6, symbol: i & 63, k: 64, payload: at(payloads, i) });
  let size = 0;
  const enc = measure((i) => {
    size = encodePacket(envelope(i), message(i), key).length;
  });
  const ring = Array.from({ length: RING }, (_, i) => encodePacket(envelope(i), message(i), key));
  let accepted = 0;
  const dec = measure((i) => {
    if (decodePacket(at(ring, i), key, { sessionId: 7 }).ok) accepted++;
  });
  if (accepted !== dec.packets + 2000) throw new Error(`decode rejected ${dec.packets + 2000 - accepted} valid packets`);
  // A flood of forged packets (valid header, wrong tag) costs the crypto plus building the error.
  const forged = ring.map((p) => {
    const copy = Uint8Array.from(p);
    copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
    return copy;
  });
  let rejected = 0;
  const rej = measure((i) => {
    if (!decodePacket(at(forged, i), key, { sessionId: 7 }).ok) rejected++;
  });
  if (rejected !== rej.packets + 2000) throw new Error('a forged packet was accepted');
  const row = (op: Row['op'], m: { packets: number; perSec: number }): Row => ({
    mode,
    op,
    packets: m.packets,
    packetsPerSec: Math.round(m.perSec),
    payloadGbps: +((m.perSec * PAYLOAD * 8) / 1e9).toFixed(3),
    wireGbps: +((m.perSec * size * 8) / 1e9).toFixed(3),
  });
  return [row('encode', enc), row('decode+auth', dec), row('reject forged', rej)];
}

const rows = [...bench('hmac'), ...bench('gcm')];
const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`castpoint wire codec, ${PAYLOAD}-byte payloads, one core, ${SECONDS}s per case, node ${process.version}`);
console.log(`${'mode'.padEnd(5)} ${'op'.padEnd(14)} ${pad('packets/s', 11)} ${pad('payload Gbit/s', 15)} ${pad('wire Gbit/s', 12)}`);
for (const r of rows) {
  console.log(`${r.mode.padEnd(5)} ${r.op.padEnd(14)} ${pad(r.packetsPerSec, 11)} ${pad(r.payloadGbps.toFixed(3), 15)} ${pad(r.wireGbps.toFixed(3), 12)}`);
}
const goal = 1;
const decodeMin = Math.min(...rows.filter((r) => r.op === 'decode+auth').map((r) => r.payloadGbps));
console.log(`goal: decode+auth >= ${goal} Gbit/s of payload in both modes: ${decodeMin >= goal ? 'met' : 'NOT met'} (min ${decodeMin})`);
console.log(JSON.stringify({ bench: 'wire-codec', payloadBytes: PAYLOAD, seconds: SECONDS, node: process.version, goalGbps: goal, goalMet: decodeMin >= goal, rows }));
