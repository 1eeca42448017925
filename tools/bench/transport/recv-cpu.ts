// The receive path's CPU per GiB with one read(2) per datagram against recvmmsg (up to 64 per
// call), on the agent's own path: the batched reader lending its buffer to a listener that only
// counts, two receivers on a netlab LAN, a sender running runPaced at a rate to a multicast
// group, 1450-byte datagrams (castpoint's data packet at 1400-byte symbols). The modes alternate
// N times; printed are the medians of each receiver process's CPU seconds per GiB received: CPU
// time, not wall time, so the comparison holds on a box whose cores others use too.
//   node dist/transport-bench/recv-cpu.cjs [ROUNDS] [MIB] [RATE_MBIT]      (as root)
import { createSocket } from 'node:dgram';
import { collect, Lan, waitForLine } from '@castpoint/netlab';
import { BatchedReader, loadRecvMmsg, openUdpSocket, runPaced, socketReadHandle } from '@castpoint/transport';

const GROUP = '239.255.61.10';
const PORT = 47_191;
const SIZE = 1450;
const IDLE_MS = 400;
const MODES = ['read', 'recvmmsg'] as const;

interface RecvResult {
  readonly mode: string;
  readonly datagrams: number;
  readonly bytes: number;
  readonly calls: number;
  readonly cpuSeconds: number;
  readonly userSeconds: number;
  readonly systemSeconds: number;
}

async function receiver(mode: string, iface: string): Promise<void> {
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => sock.bind(PORT, GROUP, () => resolve()));
  sock.addMembership(GROUP, iface);
  sock.setRecvBufferSize(8 << 20);
  const handle = socketReadHandle(sock);
  if (!handle) throw new Error('no socket descriptor on this platform');
  const batch = mode === 'recvmmsg' ? loadRecvMmsg() : undefined;
  if (batch !== undefined && 'unavailable' in batch) throw new Error(batch.unavailable);
  handle.recvStop();
  let datagrams = 0;
  let bytes = 0;
  let lastAt = 0;
  let cpu0 = process.cpuUsage();
  const reader = new BatchedReader(
    handle.fd,
    (b) => {
      if (datagrams === 0) cpu0 = process.cpuUsage();
      datagrams++;
      bytes += b.length;
      lastAt = performance.now();
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
    { lend: true, batchSource: batch },
  );
  reader.start();
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (datagrams > 0 && performance.now() - lastAt > IDLE_MS) {
        clearInterval(t);
        resolve();
      }
    }, 50);
  });
  const used = process.cpuUsage(cpu0);
  reader.stop();
  sock.close();
  const r: RecvResult = { mode, datagrams, bytes, calls: reader.stats().calls, cpuSeconds: (used.user + used.system) / 1e6, userSeconds: used.user / 1e6, systemSeconds: used.system / 1e6 };
  console.log(JSON.stringify(r));
}

async function sender(iface: string, mib: number, rateMbit: number): Promise<void> {
  const ep = await openUdpSocket({ address: iface, sendBufferSize: 4 << 20, multicast: { interface: iface, loopback: false } });
  let left = Math.ceil((mib * 1024 * 1024) / SIZE);
  const payload = new Uint8Array(SIZE).fill(7);
  const run = runPaced({ rateBitsPerSec: rateMbit * 1e6, maxInFlight: 64, next: () => (left-- > 0 ? payload : undefined), send: (b, done) => ep.sendCb(b, { address: GROUP, port: PORT }, done) });
  await run.done;
  await ep.close();
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function parent(rounds: number, mib: number, rateMbit: number): Promise<void> {
  const lan = Lan.create({ clients: 2 });
  const runs: Record<string, RecvResult[]> = { read: [], recvmmsg: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        const rx = lan.clients.map((c) => lan.spawn(c, process.execPath, [__filename, 'recv', mode, c.ip]));
        await Promise.all(rx.map((p) => waitForLine(p, /^ready$/, 30_000)));
        const done = rx.map((p) => collect(p, 600_000));
        const tx = await collect(lan.spawn(lan.server, process.execPath, [__filename, 'send', lan.server.ip, String(mib), String(rateMbit)]), 600_000);
        if (tx.code !== 0) throw new Error(`sender: ${tx.stderr}`);
        for (const out of await Promise.all(done)) {
          if (out.code !== 0) throw new Error(`${mode} receiver: ${out.stderr}`);
          const res = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as RecvResult;
          runs[mode]?.push(res);
          process.stderr.write(`${mode}: ${res.cpuSeconds.toFixed(3)} CPU s, ${res.datagrams} datagrams in ${res.calls} calls\n`);
        }
      }
    }
  } finally {
    lan.destroy();
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([mode, rs]) => {
      const perGiB = (x: RecvResult, s: number): number => s / (x.bytes / 2 ** 30);
      return [
        mode,
        {
          cpuPerGiB: median(rs.map((x) => perGiB(x, x.cpuSeconds))),
          userPerGiB: median(rs.map((x) => perGiB(x, x.userSeconds))),
          systemPerGiB: median(rs.map((x) => perGiB(x, x.systemSeconds))),
          datagramsPerCall: median(rs.map((x) => x.datagrams / x.calls)),
          receivedShare: median(rs.map((x) => x.bytes / (Math.ceil((mib * 1024 * 1024) / SIZE) * SIZE))),
          runs: rs.map((x) => Number(perGiB(x, x.cpuSeconds).toFixed(3))),
        },
      ];
    }),
  );
  console.log(JSON.stringify({ bench: 'recv-cpu', rounds, mib, rateMbit, receivers: 2, summary }));
}

const [cmd, ...rest] = process.argv.slice(2);
const main =
  cmd === 'recv'
    ? receiver(rest[0] ?? '', rest[1] ?? '')
    : cmd === 'send'
      ? sender(rest[0] ?? '', Number(rest[1]), Number(rest[2]))
      : parent(Number(cmd ?? 5), Number(rest[0] ?? 200), Number(rest[1] ?? 475));
main.catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
