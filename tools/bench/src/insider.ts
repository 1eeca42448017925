// An insider on the LAN: a machine holding the client token, as every agent does. It registers for
// IMAGE like an agent, so it learns the session key, and then speaks as the DP with it (issue 22):
//   forge-data      sends forged symbols (valid tags) for every block of one chunk, over and over:
//                   agents must discard the chunk, receive it again, and fetch it by unicast;
//   forge-kick      kicks (reason fail) every receiver id it can learn (announces' probe targets)
//                   or guess (1..5000 and around its own id): agents must drop them (unsigned);
//   forge-finished  announces the session finished: agents must drop it too;
//   forge-control   forge-kick and forge-finished at once;
//   forge-all       all of them at once.
// Prints one JSON line with what it sent. Runs inside a netlab namespace (tests/integration).
//   insider.cjs MODE DP_URL CLIENT_TOKEN IMAGE IFACE SECONDS [CHUNK]
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { BlockLayout } from '@castpoint/chunking';
import { createSessionKey, decodePacket, encodePacket, type AgentRequestReply, type Message, type SessionKey } from '@castpoint/wire';

const MODES = ['forge-data', 'forge-kick', 'forge-finished', 'forge-control', 'forge-all'] as const;
type Mode = (typeof MODES)[number];

interface Joined {
  readonly reply: Extract<AgentRequestReply, { status: 'join' }>;
  readonly key: SessionKey;
}

async function register(url: string, token: string, image: string): Promise<Joined> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${url}/api/v1/agent/request`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image, hostname: 'insider' }),
      });
      const reply = (await res.json()) as AgentRequestReply;
      if (reply.status === 'join') return { reply, key: createSessionKey(new Uint8Array(Buffer.from(reply.session.key, 'base64')), reply.session.encrypted) };
    } catch {
      // DP not answering yet: retry.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no multicast session for ${image}`);
}

async function main(): Promise<void> {
  const [modeArg, url, token, image, iface, secondsArg, chunkArg] = process.argv.slice(2);
  const mode = MODES.find((m) => m === modeArg);
  if (!mode || !url || !token || !image || !iface || !secondsArg) {
    throw new Error(`usage: insider.cjs ${MODES.join('|')} DP_URL CLIENT_TOKEN IMAGE IFACE SECONDS [CHUNK]`);
  }
  const { reply, key } = await register(url, token, image);
  const s = reply.session;
  const layout = new BlockLayout(reply.manifest, { symbolSize: s.symbolSize, blockSymbols: s.blockSymbols });
  const chunk = Number(chunkArg ?? Math.floor(reply.manifest.chunks.length / 2));
  const counts = { mode, receiverId: reply.receiverId, chunk, dataSent: 0, kicksSent: 0, finishedSent: 0, idsLearned: 0 };
  const learned = new Set<number>();
  // Forged control packets go out under the DP's sender id, with a seq above any it used.
  let dpSender = 0x80000001;
  let seq = 1n << 40n;
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  const send = (message: Message): void => {
    const bytes = encodePacket({ sessionId: s.id, senderId: dpSender, seq: seq++, sentAtMs: Date.now() % 2 ** 32 }, message, key);
    sock.send(bytes, s.port, s.group);
  };
  sock.on('message', (bytes) => {
    const r = decodePacket(bytes, key, { sessionId: s.id });
    if (!r.ok || r.packet.message.type !== 'announce') return;
    dpSender = r.packet.envelope.senderId;
    for (const id of r.packet.message.probeTargets) if (id !== reply.receiverId) learned.add(id);
    counts.idsLearned = learned.size;
  });
  await new Promise<void>((resolve) => sock.bind(s.port, resolve));
  sock.addMembership(s.group, iface);
  sock.setMulticastInterface(iface);
  sock.setMulticastLoopback(false);

  const has = (m: Mode) => mode === m || mode === 'forge-all' || (mode === 'forge-control' && (m === 'forge-kick' || m === 'forge-finished'));
  const span = layout.chunkBlocks(chunk);
  if (has('forge-data') && !span) throw new Error(`chunk ${chunk} is all zeros: it has no blocks to forge`);
  const blocks = span ? Array.from({ length: span.count }, (_, i) => span.first + i) : [];
  const guesses = [...Array.from({ length: 5000 }, (_, i) => i + 1), ...Array.from({ length: 2000 }, (_, i) => reply.receiverId - 1000 + i).filter((id) => id > 0)];
  let guess = 0;
  let nextBlock = 0;
  const timer = setInterval(() => {
    // One block of the chunk per tick (3,200 packets/s at k = 64): one forged block spoils the chunk.
    if (has('forge-data')) {
      const block = blocks[nextBlock++ % blocks.length];
      if (block !== undefined) {
        const k = layout.blockInfo(block).k;
        for (let symbol = 0; symbol < k; symbol++) {
          send({ type: 'data', block, symbol, k, payload: randomBytes(s.symbolSize) });
          counts.dataSent++;
        }
      }
    }
    if (has('forge-kick')) {
      const ids = [...learned, ...guesses.slice(guess, guess + 200)];
      guess = (guess + 200) % guesses.length;
      for (const receiverId of ids) {
        send({ type: 'kick', receiverId, reason: 'fail', detail: 'insider: stop now' });
        counts.kicksSent++;
      }
    }
    if (has('forge-finished')) {
      const total = layout.totalBlocks;
      send({ type: 'announce', totalBlocks: total, cursor: total, pass: 99, grttMs: 10, rateBps: 1, repairs: [], probeId: 0, probeTargets: [], finished: true });
      counts.finishedSent++;
    }
  }, 20);
  await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
  clearInterval(timer);
  // Leave like an agent, so the DP does not wait for the insider to end the session.
  const leave = encodePacket({ sessionId: s.id, senderId: reply.senderId ?? reply.receiverId, seq: 0n, sentAtMs: 0 }, { type: 'leave', receiverId: reply.receiverId, reason: 'cancelled' }, key);
  await new Promise<void>((resolve) => sock.send(leave, s.senderPort, s.senderAddress, () => resolve()));
  console.log(JSON.stringify(counts));
  sock.close();
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
