// Runs the UdpEndpoint conformance suite against real sockets (openUdpSocket) on the host this
// process runs on. Started inside a network namespace by tests/integration/transport*.test.ts —
// never in the machine's own namespace, because it sends multicast.
// usage: node conformance-runner.cjs HOST_IPV4
import { openUdpSocket, runConformance, type ConformanceTarget } from '@castpoint/transport';

async function main(): Promise<void> {
  const hostAddress = process.argv[2];
  if (hostAddress === undefined) {
    process.stderr.write('usage: conformance-runner HOST_IPV4\n');
    process.exit(2);
  }
  const target: ConformanceTarget = {
    name: 'udp',
    hostAddress,
    foreignAddress: '192.0.2.1',
    portBase: 46_000,
    open: (o) => openUdpSocket(o),
    settle: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const results = await runConformance(target);
  for (const r of results) process.stderr.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? `\n${r.error}` : ''}\n`);
  process.stdout.write(`${JSON.stringify({ implementation: target.name, hostAddress, results })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
