// `npm run soak -- --runs N`: the scheduled three-agent deployment of issue 21.5, N times in a
// private namespace LAN under CPU stress (busy processes). Prints one line per run and N/N passed;
// exits 1 when any run failed (its DP log is kept and named).
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { handleInterrupts, Lan, onInterrupt, probeSupport } from '@castpoint/netlab';
import { runSoak } from './soak-run';

const USAGE = `usage: npm run soak -- [--runs N] [--stress K] [--size-mib M] [--run-timeout-s T]   (as root)
  --runs N           deployments to run                        default 30
  --stress K         busy processes beside them (one CPU each)  default 2 x CPUs
  --size-mib M       image size                                 default 8
  --run-timeout-s T  a run not done by then fails               default 120
  --dp-bundle FILE   another build's castpoint-dp (main.cjs)    default this checkout's`;

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (name === 'stress' ? 0 : 1)) throw new Error(`--${name} must be a whole number${name === 'stress' ? '' : ' above 0'}, got ${v}`);
  return n;
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ options: { runs: { type: 'string' }, stress: { type: 'string' }, 'size-mib': { type: 'string' }, 'run-timeout-s': { type: 'string' }, 'dp-bundle': { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values['help']) {
    console.log(USAGE);
    return 0;
  }
  const runs = positive('runs', values['runs'] as string | undefined, 30);
  const stress = positive('stress', values['stress'] as string | undefined, 2 * cpus().length);
  const sizeMiB = positive('size-mib', values['size-mib'] as string | undefined, 8);
  const runTimeoutMs = positive('run-timeout-s', values['run-timeout-s'] as string | undefined, 120) * 1000;
  const support = probeSupport();
  if (!support.lan) {
    console.error(`the soak needs a namespace LAN (run as root): ${support.why ?? ''}`);
    return 1;
  }
  handleInterrupts();
  const lan = Lan.create({ clients: 3 });
  onInterrupt(() => lan.destroy());
  try {
    console.log(`soak: ${runs} scheduled deployments (3 agents, --min-clients 3 --max-wait 30, ${sizeMiB} MiB) beside ${stress} busy processes on ${cpus().length} CPUs`);
    const result = await runSoak({
      lan,
      runs,
      stress,
      sizeMiB,
      runTimeoutMs,
      ...(typeof values['dp-bundle'] === 'string' ? { dpBundle: values['dp-bundle'] } : {}),
      onRun: (r) => console.log(`run ${String(r.run).padStart(3)}: ${r.ok ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(6)} s  load ${r.load.toFixed(1).padStart(5)}  exits ${r.exits.map(String).join(',')}${r.why ? `  ${r.why}` : ''}`),
    });
    const loads = result.runs.map((r) => r.load);
    console.log(`soak: ${result.passed}/${runs} passed; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
    console.log(JSON.stringify({ soak: 'scheduled-3', runs, passed: result.passed, stress, sizeMiB, seconds: result.runs.map((r) => r.seconds), load: loads }));
    return result.passed === runs ? 0 : 1;
  } finally {
    lan.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
