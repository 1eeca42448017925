// The agent's per-datagram work on one core, without the network: decode + authenticate, the
// receiver engine, chunk assembly and the chunk's SHA-256 (what the agent does between the
// socket and the disk), for a 64 MiB image in 1400-byte symbols. Each datagram is first copied
// into a fresh Buffer, as node:dgram hands one over per datagram. Prints microseconds and heap
// bytes allocated per datagram (the sampling heap profiler, collected objects included, in a
// separate untimed pass) and the block/chunk buffers allocated outside the heap, with and without
// buffer recycling, without loss and at 1% loss (each lost symbol made good by a parity symbol
// that arrives 100 blocks later, as after a NACK round trip), then one JSON line.
// Run: npx nx run client-agent:bench.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Session } from 'node:inspector';
import { ReceiverEngine, ReedSolomon, seededRng } from '@castpoint/repair';
import { MANIFEST_VERSION, createSessionKey, encodePacket, publicKeyToBase64, type Manifest, type SessionInfo } from '@castpoint/wire';
import { agentBufferPool } from '../src/adapters/buffer-pool';
import { sessionLayout } from '../src/adapters/lib-session';
import { wireSessionCodec } from '../src/adapters/wire-codec';
import { ChunkAssembler } from '../src/flow/chunk-assembler';

const CHUNK = 1 << 20;
const CHUNKS = Number(process.env['RX_BENCH_MIB'] ?? '64');
const ROUNDS = 4;

const image = randomBytes(CHUNK * CHUNKS);
const hashes: string[] = [];
for (let c = 0; c < CHUNKS; c++) hashes.push(createHash('sha256').update(image.subarray(c * CHUNK, (c + 1) * CHUNK)).digest('hex'));
const manifest: Manifest = { version: MANIFEST_VERSION, size: image.length, chunkSize: CHUNK, sha256: createHash('sha256').update(image).digest('hex'), chunks: hashes, zeroChunks: [] };
const secret = randomBytes(32);
const session = {
  id: 1,
  symbolSize: 1400,
  blockSymbols: 64,
  encrypted: false,
  key: secret.toString('base64'),
  // Only data goes through the bench; the codec still wants the DP's public key (signed control).
  signingKey: publicKeyToBase64(generateKeyPairSync('ed25519').publicKey),
} as SessionInfo;
const layout = sessionLayout(session, manifest);

// Every data packet of one pass, as the DP frames them: `loss` of the source symbols never
// arrive, and each block that lost some gets as many parity symbols REPAIR_LAG blocks later.
const key = createSessionKey(new Uint8Array(secret), false);
const REPAIR_LAG = 100;
function stream(loss: number): Buffer[] {
  const rng = seededRng(42);
  const rs = new ReedSolomon(session.symbolSize);
  const out: Buffer[] = [];
  const repairsAt = new Map<number, Buffer[]>();
  let seq = 0n;
  const frame = (block: number, symbol: number, k: number, payload: Uint8Array): Buffer => {
    const envelope = { sessionId: session.id, senderId: 0x80000001, seq: seq++, sentAtMs: 0 };
    return Buffer.from(encodePacket(envelope, { type: 'data', block, symbol, k, payload }, key));
  };
  for (let b = 0; b < layout.totalBlocks + REPAIR_LAG; b++) {
    for (const r of repairsAt.get(b) ?? []) out.push(r);
    if (b >= layout.totalBlocks) continue;
    const info = layout.blockInfo(b);
    const start = info.chunk * CHUNK + info.offsetInChunk;
    const sources: Uint8Array[] = [];
    let lost = 0;
    for (let i = 0; i < info.k; i++) {
      const payload = new Uint8Array(session.symbolSize);
      payload.set(image.subarray(start + i * session.symbolSize, Math.min(start + info.length, start + (i + 1) * session.symbolSize)));
      sources.push(payload);
      if (rng() < loss) lost++;
      else out.push(frame(b, i, info.k, payload));
    }
    if (lost === 0) continue;
    const indexes = Array.from({ length: lost }, (_, j) => info.k + j);
    const parity = rs.encodeParity(sources, indexes);
    repairsAt.set(b + REPAIR_LAG, parity.map((p, j) => frame(b, indexes[j] as number, info.k, p)));
  }
  return out;
}

interface Row {
  loss: number;
  recycling: boolean;
  usPerDatagram: number;
  heapBytesPerDatagram: number;
  /** Block and chunk buffers allocated (outside V8's heap) in one pass. */
  bigBuffers: number;
}

/** One pass over every datagram: microseconds per datagram, block and chunk buffers allocated. */
function pass(packets: readonly Buffer[], recycling: boolean): { us: number; bigBuffers: number } {
  const pool = recycling ? agentBufferPool(true) : undefined;
  const engine = new ReceiverEngine({
    receiverId: 5,
    layout,
    symbolSize: session.symbolSize,
    rng: seededRng(1),
    ...(pool ? { pool } : {}),
  });
  const codec = wireSessionCodec(session, 7);
  const assembler = new ChunkAssembler(layout, { chunkLength: () => CHUNK }, pool);
  let verified = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < packets.length; i++) {
    const packet = codec.decode(Buffer.from(packets[i] as Buffer));
    if (!packet) throw new Error(`datagram ${i} did not decode: ${JSON.stringify(codec.counters.snapshot().byCode)}`);
    for (const r of engine.handle({ type: 'packet', packet }, i / 20)) {
      if (r.type !== 'block') continue;
      const whole = assembler.add(r.block, r.data);
      if (!whole) continue;
      if (createHash('sha256').update(whole.data).digest('hex') !== hashes[whole.chunk]) throw new Error(`chunk ${whole.chunk} is corrupt`);
      verified++;
      assembler.release(whole.data);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (verified !== CHUNKS) throw new Error(`verified ${verified} of ${CHUNKS} chunks`);
  return { us: ns / packets.length / 1000, bigBuffers: pool ? pool.stats().created : layout.totalBlocks + CHUNKS };
}

/** Heap bytes allocated per datagram in one pass, from the sampling heap profiler. */
async function heapPerDatagram(packets: readonly Buffer[], recycling: boolean): Promise<number> {
  const s = new Session();
  s.connect();
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => s.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  pass(packets, recycling);
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { samples: { size: number }[] } };
  s.disconnect();
  return profile.samples.reduce((sum, x) => sum + x.size, 0) / packets.length;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const sizes: number[] = [];
  for (const loss of [0, 0.01]) {
    const packets = stream(loss);
    sizes.push(packets.length);
    for (const recycling of [false, true]) {
      let best = pass(packets, recycling); // the first pass warms the JIT up
      for (let r = 0; r < ROUNDS; r++) {
        const p = pass(packets, recycling);
        if (p.us < best.us || r === 0) best = p;
      }
      rows.push({ loss, recycling, usPerDatagram: best.us, heapBytesPerDatagram: await heapPerDatagram(packets, recycling), bigBuffers: best.bigBuffers });
    }
  }
  console.log(`agent receive path: ${sizes.join(' / ')} datagrams (0% / 1% loss) of ${session.symbolSize}-byte symbols, ${CHUNKS} MiB, HMAC mode, best of ${ROUNDS}`);
  console.log('loss  recycling   us/datagram   heap bytes/datagram   block+chunk buffers allocated');
  for (const r of rows) {
    console.log(`${`${r.loss * 100}%`.padEnd(5)} ${String(r.recycling).padEnd(9)} ${r.usPerDatagram.toFixed(2).padStart(13)} ${r.heapBytesPerDatagram.toFixed(0).padStart(21)} ${String(r.bigBuffers).padStart(31)}`);
  }
  console.log(JSON.stringify({ bench: 'agent-receive-path', node: process.version, datagrams: sizes, rows }));
}

void main();
