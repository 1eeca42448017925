// Transport benchmark inside a netlab LAN: server -> one client over a multicast group, 1400-byte
// payloads. Measures raw packets/s and Gbit/s, then the pacer's accuracy at 100 Mbit/s, 500 Mbit/s
// and 1 Gbit/s. Prints a table, then one JSON line last. Run as root (namespaces):
//   nx run transport:bench        (or: node dist/transport-bench/bench.cjs [SECONDS])
import path from 'node:path';
import { collect, Lan, waitForLine } from '@castpoint/netlab';

const GROUP = '239.255.61.1';
const PORT = 47_100;
const SIZE = 1400;

interface Phase {
  readonly name: string;
  readonly targetBps: number;
}

interface PhaseResult {
  readonly name: string;
  readonly targetBps: number | null;
  readonly sentPps: number;
  readonly sentBps: number;
  readonly recvPps: number;
  readonly recvBps: number;
  readonly lossPct: number;
  /** Sender's achieved rate / target (pacer accuracy); null for the unpaced phase. */
  readonly accuracy: number | null;
  readonly recvAccuracy: number | null;
}

async function runPhase(lan: Lan, peer: string, phase: Phase, seconds: number): Promise<PhaseResult> {
  const client = lan.clients[0];
  if (!client) throw new Error('LAN has no client');
  const rx = lan.spawn(client, process.execPath, [peer, 'recv', GROUP, String(PORT), client.ip, '700']);
  await waitForLine(rx, /^ready$/, 10_000);
  const rxDone = collect(rx, (seconds + 20) * 1000);
  const tx = await collect(lan.spawn(lan.server, process.execPath, [peer, 'send', GROUP, String(PORT), lan.server.ip, String(seconds), String(phase.targetBps)]), (seconds + 20) * 1000);
  if (tx.code !== 0) throw new Error(`sender failed: ${tx.stderr}`);
  const rxOut = await rxDone;
  if (rxOut.code !== 0) throw new Error(`receiver failed: ${rxOut.stderr}`);
  const s = JSON.parse(lastLine(tx.stdout)) as { sent: number; bytes: number; elapsedNs: number };
  const r = JSON.parse(lastLine(rxOut.stdout)) as { received: number; bytes: number; expected: number; elapsedNs: number };
  const sentBps = (s.bytes * 8 * 1e9) / s.elapsedNs;
  const recvBps = r.elapsedNs > 0 ? (r.bytes * 8 * 1e9) / r.elapsedNs : 0;
  const paced = phase.targetBps > 0;
  return {
    name: phase.name,
    targetBps: paced ? phase.targetBps : null,
    sentPps: (s.sent * 1e9) / s.elapsedNs,
    sentBps,
    recvPps: r.elapsedNs > 0 ? (r.received * 1e9) / r.elapsedNs : 0,
    recvBps,
    lossPct: s.sent > 0 ? (100 * (s.sent - r.received)) / s.sent : 0,
    accuracy: paced ? sentBps / phase.targetBps : null,
    recvAccuracy: paced ? recvBps / phase.targetBps : null,
  };
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '{}';
}

const fmt = (n: number | null, digits: number, scale = 1): string => (n === null ? '-' : (n / scale).toFixed(digits));

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const peer = path.join(__dirname, 'peer.cjs');
  const phases: Phase[] = [
    { name: 'unpaced', targetBps: 0 },
    { name: 'paced 100M', targetBps: 100e6 },
    { name: 'paced 500M', targetBps: 500e6 },
    { name: 'paced 1G', targetBps: 1e9 },
  ];
  const lan = Lan.create({ clients: 1 });
  const results: PhaseResult[] = [];
  try {
    for (const p of phases) results.push(await runPhase(lan, peer, p, seconds));
  } finally {
    lan.destroy();
  }
  const rows = [
    ['phase', 'target Mbit/s', 'sent pkt/s', 'sent Gbit/s', 'recv pkt/s', 'recv Gbit/s', 'loss %', 'sent/target', 'recv/target'],
    ...results.map((r) => [r.name, fmt(r.targetBps, 0, 1e6), fmt(r.sentPps, 0), fmt(r.sentBps, 3, 1e9), fmt(r.recvPps, 0), fmt(r.recvBps, 3, 1e9), fmt(r.lossPct, 2), fmt(r.accuracy, 4), fmt(r.recvAccuracy, 4)]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  console.log(`transport bench: netlab LAN, server -> 1 client, multicast, ${SIZE}-byte payloads, ${seconds} s per phase`);
  for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i] ?? 0)).join('  '));
  const unpaced = results[0];
  console.log(
    JSON.stringify({
      bench: 'transport',
      payloadBytes: SIZE,
      secondsPerPhase: seconds,
      unpaced: unpaced && { sentPps: Math.round(unpaced.sentPps), sentGbps: unpaced.sentBps / 1e9, recvPps: Math.round(unpaced.recvPps), recvGbps: unpaced.recvBps / 1e9, lossPct: unpaced.lossPct },
      pacer: results.slice(1).map((r) => ({ targetBps: r.targetBps, achievedBps: Math.round(r.sentBps), accuracy: r.accuracy, recvBps: Math.round(r.recvBps), recvAccuracy: r.recvAccuracy, lossPct: r.lossPct })),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
