// A minimal receiver for the DP's integration tests, built from the libs the way an agent is:
// it asks the DP for an image over HTTP, joins the group, feeds libs/repair's ReceiverEngine,
// verifies every chunk against the manifest, writes the image to --out and reports progress.
// With a fallback answer it downloads the chunks by HTTP Range instead. It is a test tool, not
// castpoint-agent: no journal, no disk targets. Prints one JSON line per event on stdout.
import { createHash } from 'node:crypto';
import { openSync, closeSync, ftruncateSync, writeSync, fsyncSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BlockLayout } from '@castpoint/chunking';
import { ReceiverEngine, seededRng, type ReceiverAction } from '@castpoint/repair';
import { openUdpSocket, type Datagram } from '@castpoint/transport';
import {
  AGENT_API_PREFIX,
  createSessionKey,
  decodePacket,
  encodePacket,
  type AgentProgress,
  type AgentRequestReply,
  type ControlMessage,
  type Manifest,
  type SessionInfo,
} from '@castpoint/wire';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    image: { type: 'string' },
    hostname: { type: 'string' },
    iface: { type: 'string' },
    out: { type: 'string' },
    'previous-receiver-id': { type: 'string' },
    'timeout-ms': { type: 'string', default: '90000' },
  },
});

function need(name: keyof typeof args): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') {
    process.stderr.write(`mini-receiver: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}

const server = need('server');
const token = need('token');
const image = need('image');
const hostname = need('hostname');
const out = need('out');

function say(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${server}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

class ImageFile {
  private readonly fd: number;
  readonly done = new Set<number>();
  bytesDone = 0;

  constructor(
    path: string,
    readonly manifest: Manifest,
  ) {
    this.fd = openSync(path, 'w');
    ftruncateSync(this.fd, manifest.size);
    for (const z of manifest.zeroChunks) this.done.add(z);
  }

  chunkLen(c: number): number {
    return Math.min(this.manifest.chunkSize, this.manifest.size - c * this.manifest.chunkSize);
  }

  /** Verifies and writes one chunk; false (nothing written) when its hash is wrong. */
  put(c: number, data: Uint8Array): boolean {
    if (createHash('sha256').update(data).digest('hex') !== this.manifest.chunks[c]) return false;
    writeSync(this.fd, data, 0, data.length, c * this.manifest.chunkSize);
    this.done.add(c);
    this.bytesDone += data.length;
    return true;
  }

  get complete(): boolean {
    return this.done.size === this.manifest.chunks.length;
  }

  close(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

async function fallback(receiverId: number, manifest: Manifest, contentPath: string): Promise<void> {
  const file = new ImageFile(out, manifest);
  for (let c = 0; c < manifest.chunks.length; c++) {
    if (file.done.has(c)) continue;
    const start = c * manifest.chunkSize;
    const res = await fetch(`${server}${contentPath}`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${start}-${start + file.chunkLen(c) - 1}` } });
    if (res.status !== 206) throw new Error(`range download of chunk ${c}: ${res.status}`);
    if (!file.put(c, new Uint8Array(await res.arrayBuffer()))) throw new Error(`chunk ${c} failed verification`);
  }
  file.close();
  await post(`${AGENT_API_PREFIX}/progress`, progress(receiverId, undefined, 'fallback', file, 0));
  await post(`${AGENT_API_PREFIX}/progress`, progress(receiverId, undefined, 'done', file, 0));
  say('done', { via: 'fallback', receiverId });
}

function progress(receiverId: number, sessionId: number | undefined, state: AgentProgress['state'], file: ImageFile, repaired: number): AgentProgress {
  return {
    receiverId,
    ...(sessionId !== undefined ? { sessionId } : {}),
    image,
    state,
    chunksDone: file.done.size,
    totalChunks: file.manifest.chunks.length,
    bytesDone: file.bytesDone,
    rateBps: 0,
    repairedSymbols: repaired,
  };
}

async function multicast(receiverId: number, session: SessionInfo, manifest: Manifest): Promise<void> {
  const iface = need('iface');
  const key = createSessionKey(new Uint8Array(Buffer.from(session.key, 'base64')), session.encrypted);
  const layout = new BlockLayout(manifest, { symbolSize: session.symbolSize, blockSymbols: session.blockSymbols });
  const engine = new ReceiverEngine({ receiverId, layout, symbolSize: session.symbolSize, rng: seededRng(receiverId) });
  const file = new ImageFile(out, manifest);
  const chunkBufs = new Map<number, { buf: Buffer; blocksLeft: number }>();
  const sock = await openUdpSocket({ port: session.port, reuseAddr: true, multicast: { group: session.group, interface: iface }, recvBufferSize: 16 * 1024 * 1024 });
  const sender = { address: session.senderAddress, port: session.senderPort };
  const origin = performance.now();
  const now = (): number => performance.now() - origin;
  let seq = 0n;
  let packets = 0;
  let badPackets = 0;
  let badChunks = 0;
  let finished: ((why: string) => void) | undefined;
  const ended = new Promise<string>((resolve) => (finished = resolve));

  const send = (message: ControlMessage): void => {
    const bytes = encodePacket({ sessionId: session.id, senderId: receiverId, seq: seq++, sentAtMs: Date.now() % 0x100000000 }, message, key);
    sock.send(bytes, sender).catch(() => undefined);
  };
  const apply = (actions: readonly ReceiverAction[]): void => {
    for (const a of actions) {
      if (a.type === 'send') send(a.message);
      else if (a.type === 'block') {
        const info = layout.blockInfo(a.block);
        let cb = chunkBufs.get(info.chunk);
        if (!cb) {
          const range = layout.chunkBlocks(info.chunk);
          cb = { buf: Buffer.alloc(file.chunkLen(info.chunk)), blocksLeft: range?.count ?? 0 };
          chunkBufs.set(info.chunk, cb);
        }
        Buffer.from(a.data.buffer, a.data.byteOffset, info.length).copy(cb.buf, info.offsetInChunk);
        if (--cb.blocksLeft === 0) {
          chunkBufs.delete(info.chunk);
          if (!file.put(info.chunk, cb.buf)) {
            badChunks++;
            say('bad-chunk', { chunk: info.chunk });
            const range = layout.chunkBlocks(info.chunk);
            const blocks = range ? Array.from({ length: range.count }, (_, i) => range.first + i) : [];
            apply(engine.handle({ type: 'rerequest', blocks }, now()));
          }
        }
        if (file.complete) finished?.('complete');
      } else if (a.type === 'kicked') finished?.(`kicked:${a.reason}:${a.detail}`);
      else if (a.type === 'finished') finished?.(a.complete ? 'complete' : 'finished-incomplete');
    }
  };
  sock.readable.on('data', (d: Datagram) => {
    const r = decodePacket(d.bytes, key, { sessionId: session.id });
    if (!r.ok) {
      badPackets++;
      return;
    }
    // Only the DP (senderId with the high bit: 0x80000000 | epoch) sends to the group.
    if (r.packet.envelope.senderId < 0x80000000) return;
    packets++;
    apply(engine.handle({ type: 'packet', packet: r.packet }, now()));
  });
  const ticker = setInterval(() => apply(engine.tick(now())), 10);
  const reporter = setInterval(() => {
    const st = engine.stats();
    post(`${AGENT_API_PREFIX}/progress`, progress(receiverId, session.id, st.state, file, st.decoded)).catch(() => undefined);
    say('progress', { chunksDone: file.done.size, totalChunks: manifest.chunks.length, packets, blocksDone: st.blocksDone });
  }, 1000);
  const timeout = setTimeout(() => finished?.('timeout'), Number(args['timeout-ms']));
  say('joined', { receiverId, sessionId: session.id, group: session.group, port: session.port });
  const why = await ended;
  clearInterval(ticker);
  clearInterval(reporter);
  clearTimeout(timeout);
  if (why === 'complete') {
    send({ type: 'leave', receiverId, reason: 'complete' });
    file.close();
    await post(`${AGENT_API_PREFIX}/progress`, progress(receiverId, session.id, 'done', file, engine.stats().decoded)).catch(() => undefined);
  }
  await sock.close();
  const st = engine.stats();
  say(why === 'complete' ? 'done' : 'failed', { via: 'multicast', why, receiverId, packets, badPackets, badChunks, chunksDone: file.done.size, decoded: st.decoded, nacksSent: st.nacksSent });
  process.exit(why === 'complete' ? 0 : 3);
}

async function main(): Promise<void> {
  const prev = args['previous-receiver-id'];
  for (;;) {
    const reply = await post<AgentRequestReply>(`${AGENT_API_PREFIX}/request`, {
      image,
      hostname,
      ...(prev !== undefined ? { previousReceiverId: Number(prev) } : {}),
    });
    if (reply.status === 'wait') {
      say('wait', { reason: reply.reason, retryAfterMs: reply.retryAfterMs });
      await new Promise((r) => setTimeout(r, reply.retryAfterMs));
      continue;
    }
    if (reply.status === 'fallback') {
      say('fallback', { reason: reply.reason, receiverId: reply.receiverId });
      await fallback(reply.receiverId, reply.manifest, reply.contentPath);
      process.exit(0);
    }
    await multicast(reply.receiverId, reply.session, reply.manifest);
    return;
  }
}

main().catch((err: unknown) => {
  say('error', { message: (err as Error).message });
  process.exit(1);
});
