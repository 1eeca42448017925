// The send path's CPU per GiB with and without batchedSends (UDP_SEGMENT), and through a frame
// sender (frame-sender.ts: the add-on's sendmsg, what the DP uses since session 20), on the DP's path:
// runPaced at a rate over openUdpSocket to a multicast group, 1450-byte datagrams (castpoint's data
// packet at 1400-byte symbols), inside a netlab LAN (veth and bridge, as the bench). Runs the two
// modes alternated N times and prints the medians of the sender process's CPU seconds per GiB:
// CPU time, not wall time, so that the comparison holds on a box whose cores others use too.
// DATAGRAM (default 1450) sets the datagram size; past 1472 the LAN gets the MTU that carries it
// (8950, a jumbo symbol's packet: MTU 8978), as with `serve --symbol-size auto` on jumbo frames.
//   node dist/transport-bench/send-cpu.cjs [ROUNDS] [MIB] [RATE_MBIT] [DATAGRAM]      (as root)
import { collect, Lan } from '@castpoint/netlab';
import { openUdpSocket, runPaced } from '@castpoint/transport';

const GROUP = '239.255.61.9';
const PORT = 47_190;
const DEFAULT_SIZE = 1450;

async function child(mode: string, iface: string, mib: number, rateMbit: number, size: number): Promise<void> {
  const ep = await openUdpSocket({ address: iface, batchedSends: mode !== 'per-datagram', sendBufferSize: 4 << 20, multicast: { interface: iface, loopback: false } });
  const count = Math.ceil((mib * 1024 * 1024) / size);
  const payload = new Uint8Array(size).fill(7);
  let left = count;
  const to = { address: GROUP, port: PORT };
  // 'frames': the DP's path since session 20, each datagram copied into a frame of the sender's.
  const frames = mode === 'frames' ? ep.frameSender(size, to) : undefined;
  const send = frames
    ? (b: Uint8Array, done: (err?: Error) => void): void => {
        frames.frame().set(b);
        frames.commit(b.length, done);
      }
    : (b: Uint8Array, done: (err?: Error) => void): void => ep.sendCb(b, to, done);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const run = runPaced({ rateBitsPerSec: rateMbit * 1e6, maxInFlight: 64, next: () => (left-- > 0 ? payload : undefined), send });
  await run.done;
  const used = process.cpuUsage(cpu0);
  const st = ep.stats();
  await ep.close();
  console.log(JSON.stringify({ mode: frames ? `frames/${frames.mode}${frames.fallback ? ` (${frames.fallback})` : ''}` : st.sendMode, datagrams: st.sentDatagrams, cpuSeconds: (used.user + used.system) / 1e6, userSeconds: used.user / 1e6, systemSeconds: used.system / 1e6, wallSeconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function parent(rounds: number, mib: number, rateMbit: number, size: number): Promise<void> {
  if (!Number.isInteger(size) || size < 1 || size > 65_507) throw new Error(`DATAGRAM must be an integer from 1 to 65507, got ${size}`);
  const lan = Lan.create({ clients: 1, ...(size > 1472 ? { mtu: size + 28 } : {}) });
  // As in the bench (tools/bench/src/cli.ts): segmented sends are cut in software at the server's
  // eth0, as on a NIC without UDP segmentation offload, and that cost is the sender's.
  const seg = await collect(lan.spawn(lan.server, 'ip', ['link', 'set', 'dev', 'eth0', 'gso_max_segs', '1']), 10_000);
  if (seg.code !== 0) throw new Error(`gso_max_segs: ${seg.stderr}`);
  const runs: Record<string, Array<{ cpuSeconds: number; userSeconds: number; systemSeconds: number; wallSeconds: number; mode: string }>> = { 'per-datagram': [], segmented: [], frames: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of Object.keys(runs)) {
        const out = await collect(lan.spawn(lan.server, process.execPath, [__filename, 'child', mode, lan.server.ip, String(mib), String(rateMbit), String(size)]), 300_000);
        if (out.code !== 0) throw new Error(`${mode}: ${out.stderr}`);
        const res = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as { cpuSeconds: number; userSeconds: number; systemSeconds: number; wallSeconds: number; mode: string };
        runs[mode]?.push(res);
        process.stderr.write(`${mode} (${res.mode}): ${res.cpuSeconds.toFixed(3)} CPU s in ${res.wallSeconds.toFixed(3)} s\n`);
      }
    }
  } finally {
    lan.destroy();
  }
  const gib = mib / 1024;
  const summary = Object.fromEntries(
    Object.entries(runs).map(([mode, rs]) => [
      mode,
      { cpuPerGiB: median(rs.map((x) => x.cpuSeconds)) / gib, wallSeconds: median(rs.map((x) => x.wallSeconds)), userPerGiB: median(rs.map((x) => x.userSeconds)) / gib, systemPerGiB: median(rs.map((x) => x.systemSeconds)) / gib, runs: rs.map((x) => x.cpuSeconds), effective: rs.map((x) => x.mode) },
    ]),
  );
  console.log(JSON.stringify({ bench: 'send-cpu', rounds, mib, rateMbit, datagram: size, summary }));
}

const [cmd, ...rest] = process.argv.slice(2);
const main =
  cmd === 'child'
    ? child(rest[0] ?? '', rest[1] ?? '', Number(rest[2]), Number(rest[3]), Number(rest[4]))
    : parent(Number(cmd ?? 5), Number(rest[0] ?? 200), Number(rest[1] ?? 475), Number(rest[2] ?? DEFAULT_SIZE));
main.catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
