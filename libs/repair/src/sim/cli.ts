// `nx run repair:sim` — runs the seeded simulator and prints figures: a table, then one JSON
// object as the last line. Without --receivers it runs the reference set: N = 10, 100, 1000 at 1%
// independent loss side by side, and N = 1000 with bursty (Gilbert-Elliott) loss.
import { parseArgs } from 'node:util';
import { fairnessReport, parsePeer, parsePolicy } from './fairness-report';
import { simulate, type SimResult } from './simulate';

const { values } = parseArgs({
  options: {
    receivers: { type: 'string' },
    loss: { type: 'string', default: '0.01' },
    bursty: { type: 'boolean', default: false },
    burst: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    'image-mib': { type: 'string', default: '8' },
    'rate-mbit': { type: 'string', default: '1000' },
    'delay-ms': { type: 'string', default: '1' },
    interleave: { type: 'string', default: '32' },
    peer: { type: 'string' },
    policy: { type: 'string', default: 'same-speed' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('usage: sim [--receivers N[,N...]] [--loss P] [--bursty] [--burst PKTS] [--seed S] [--image-mib M] [--rate-mbit R] [--delay-ms D] [--interleave BLOCKS]');
  console.log('       sim --peer loss:P|slow:FRACTION|rogue|rogue-lie [--policy same-speed|tiers|disconnect:KBPS] [--receivers N] [--loss 0] ...');
  console.log('       (the last of N receivers is the peer; prints the clean ones\' completion against their time alone)');
  process.exit(0);
}

const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number, got ${v}`);
    process.exit(2);
  }
  return n;
};
const seed = num('seed', values.seed);
const base = {
  seed,
  loss: num('loss', values.loss),
  burstPackets: num('burst', values.burst),
  imageBytes: Math.round(num('image-mib', values['image-mib']) * 1024 * 1024),
  linkBytesPerSec: (num('rate-mbit', values['rate-mbit']) * 1e6) / 8,
  delayMs: num('delay-ms', values['delay-ms']),
  interleave: num('interleave', values.interleave),
};
if (values.peer !== undefined) {
  try {
    const ok = fairnessReport({ ...base, bursty: values.bursty, slowPolicy: parsePolicy(values.policy), maxSimMs: 60_000 }, num('receivers', values.receivers ?? '3'), parsePeer(values.peer, base.linkBytesPerSec), values.peer);
    process.exit(ok ? 0 : 1);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
const runs: { receivers: number; bursty: boolean }[] = values.receivers
  ? values.receivers.split(',').map((n) => ({ receivers: num('receivers', n), bursty: values.bursty }))
  : [
      { receivers: 10, bursty: false },
      { receivers: 100, bursty: false },
      { receivers: 1000, bursty: false },
      { receivers: 1000, bursty: true },
    ];

console.log(`castpoint repair simulator  seed ${seed} (replay with --seed ${seed})`);
console.log(
  `image ${(base.imageBytes / 1048576).toFixed(1)} MiB, link ${(base.linkBytesPerSec * 8e-6).toFixed(0)} Mbit/s, one-way delay ${base.delayMs} ms, loss ${(base.loss * 100).toFixed(1)}%`,
);
const header = ['N', 'loss', 'done/ms', 'ideal/ms', 'x ideal', 'overhead', 'NACK pkts', 'NACK/block', 'NACK/data', 'reports/data', 'status', 'peak state', 'complete'];
console.log(header.map((h) => h.padStart(13)).join(''));
const results: Omit<SimResult, 'results'>[] = [];
for (const run of runs) {
  const started = Date.now();
  const { results: perReceiver, ...r } = simulate({ ...base, ...run });
  results.push(r);
  const complete = perReceiver.filter((x) => x.complete).length;
  const cells = [
    String(r.receivers),
    `${(r.loss * 100).toFixed(1)}%${r.bursty ? ' GE' : ''}`,
    r.completionMs.toFixed(1),
    r.idealMs.toFixed(1),
    (r.completionMs / r.idealMs).toFixed(2),
    `${(r.overhead * 100).toFixed(2)}%`,
    String(r.nackPackets),
    r.nacksPerBlock.toFixed(2),
    r.nacksPerDataPacket.toFixed(4),
    r.reportsPerDataPacket.toFixed(4),
    String(r.statusPackets),
    String(r.peakSenderState),
    `${complete}/${r.receivers}`,
  ];
  console.log(cells.map((c) => c.padStart(13)).join('') + `   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (!r.finished || complete !== r.receivers) process.exitCode = 1;
}
console.log(JSON.stringify({ bench: 'repair-sim', seed, runs: results.map(({ senderActions: _a, dropped: _d, ...r }) => r) }));
