// Reed-Solomon throughput in CPU time: MB/s of SOURCE data encoded (k = 64, 1400-byte symbols) for several
// parity counts, and decode with losses; enc1x4/enc1x4p: 4 parity symbols asked one at a time,
// the block copied in per symbol or pinned (copied once). Short on purpose (the box is shared): ~0.3 s per row.
// Prints a table, then one JSON object as the last line.
import { ReedSolomon } from '../rs/reed-solomon';
import { seededRng } from '../rng';

const SYMBOL = 1400;
const K = 64;
const GOAL_MBPS = 200;

/** CPU ms per call of `fn` (process.cpuUsage: the box is shared, so wall time would measure the load). */
function timeIt(budgetMs: number, fn: () => void): number {
  fn(); // warm-up (JIT)
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let iterations = 0;
  const start = cpuMs();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    fn();
    iterations++;
    elapsed = cpuMs() - start;
  }
  return elapsed / iterations;
}

function main(): void {
  const rng = seededRng(1);
  const sources = Array.from({ length: K }, () => Uint8Array.from({ length: SYMBOL }, () => Math.floor(rng() * 256)));
  const blockMB = (K * SYMBOL) / 1e6;
  const rows: { kernel: string; op: string; parity: number; lost: number; msPerBlock: number; mbps: number; goal: boolean }[] = [];
  // The WebAssembly SIMD kernel (default) and the JavaScript fallback, side by side.
  for (const kernel of ['wasm-simd', 'js'] as const) {
    const rs = new ReedSolomon(SYMBOL, { simd: kernel === 'wasm-simd' });
    if (kernel === 'wasm-simd' && !rs.usesSimd) continue;
    for (const parity of [1, 4, 8, 16, 32]) {
      const idx = Array.from({ length: parity }, (_, i) => K + i);
      const ms = timeIt(250, () => rs.encodeParity(sources, idx));
      rows.push({ kernel, op: 'encode', parity, lost: 0, msPerBlock: ms, mbps: blockMB / (ms / 1000), goal: false });
    }
    // The DP's way: a repair asks for one parity symbol at a time (4 here), the block copied into
    // the kernel's memory each time, or once when pinned (issue 29; the enc1x4 rows).
    if (kernel === 'wasm-simd') {
      for (const pinned of [false, true]) {
        let blockNo = 0;
        const ms = timeIt(250, () => {
          const pin = pinned ? { blockNo: blockNo++ } : undefined;
          for (let s = K; s < K + 4; s++) rs.encodeParity(sources, [s], pin ? { pin } : {});
        });
        rows.push({ kernel, op: pinned ? 'enc1x4p' : 'enc1x4', parity: 4, lost: 0, msPerBlock: ms, mbps: blockMB / (ms / 1000), goal: false });
      }
    }
    const allParity = rs.encodeParity(sources, Array.from({ length: 32 }, (_, i) => K + i));
    for (const lost of [1, 2, 4, 8, 16, 32]) {
      const received = new Map<number, Uint8Array>();
      for (let j = lost; j < K; j++) received.set(j, sources[j] as Uint8Array);
      for (let p = 0; p < lost; p++) received.set(K + p, allParity[p] as Uint8Array);
      const ms = timeIt(250, () => rs.decode(K, received));
      rows.push({ kernel, op: 'decode', parity: lost, lost, msPerBlock: ms, mbps: blockMB / (ms / 1000), goal: false });
    }
  }
  for (const r of rows) r.goal = r.mbps >= GOAL_MBPS;
  console.log(`Reed-Solomon GF(2^8), k=${K}, symbol ${SYMBOL} B, MB/s of source data (goal ${GOAL_MBPS} MB/s)`);
  console.log('kernel     op      parity  lost   ms/block    MB/s   goal');
  for (const r of rows) {
    console.log(
      `${r.kernel.padEnd(10)} ${r.op.padEnd(7)} ${String(r.parity).padStart(6)} ${String(r.lost).padStart(5)} ${r.msPerBlock.toFixed(3).padStart(10)} ${r.mbps.toFixed(0).padStart(7)}   ${r.goal ? 'yes' : 'no'}`,
    );
  }
  console.log(JSON.stringify({ bench: 'repair-rs', k: K, symbolSize: SYMBOL, goalMBps: GOAL_MBPS, rows }));
}

main();
