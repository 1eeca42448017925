import { MemoryNetwork } from '../memory-network';
import { VirtualClock } from '../clock';
import { CONFORMANCE_CASES } from './cases';
import type { ConformanceTarget } from './harness';

/** The conformance suite on the in-memory network, on virtual time (no real sleeping). */
function memoryTarget(): ConformanceTarget {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ seed: 7, clock: clock, defaultHost: '10.9.0.1' });
  return {
    name: 'memory',
    hostAddress: '10.9.0.1',
    foreignAddress: '192.0.2.1',
    portBase: 46_000,
    open: (o) => net.open(o),
    settle: async (ms) => {
      clock.advance(ms);
      // Let the streams hand over what the timers delivered.
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('UdpEndpoint conformance: MemoryNetwork', () => {
  it.each(CONFORMANCE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await c.run(memoryTarget());
  });
});
