import { destroyLiveLans } from './lan';

/**
 * Tear-down for long lab commands (the benchmark, the demo) when they are stopped from outside:
 * SIGINT, SIGTERM or SIGHUP, or the reader of their output going away (`npm run bench | head`
 * makes the next write fail with EPIPE). Their `finally` blocks never run then, and without this
 * the namespaces, the processes in them (a DP, agents, an udp-receiver that waits forever) and a
 * 200 MiB image in /tmp were left behind. On any of these it destroys every LAN the process made
 * (killing what runs in them), runs the clean-ups registered here, and exits: 128 + the signal's
 * number, or 141 (SIGPIPE's) for a closed pipe.
 */
const cleanups = new Set<() => void>();
let installed = false;
let tearingDown = false;

const SIGNALS: readonly [NodeJS.Signals, number][] = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
];

/** Registers a clean-up for an interrupted run (and installs the handlers); returns its remover. */
export function onInterrupt(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * Installs the handlers (once; onInterrupt does too): call it first thing in a command's main, so
 * that a LAN made before any clean-up was registered is torn down all the same.
 */
export function handleInterrupts(): void {
  install();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of SIGNALS) process.on(signal, () => tearDown(signal, code));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') tearDown('its output was closed', 141);
      else throw err;
    });
  }
}

function tearDown(why: string, code: number): void {
  if (tearingDown) return;
  tearingDown = true;
  const lans = destroyLiveLans();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the next clean-up still runs, and the exit still happens.
    }
  }
  try {
    // stderr may be the pipe that closed: then nobody reads this, and that is fine.
    process.stderr.write(`stopped (${why}): ${lans} LAN(s) torn down, processes in them killed\n`);
  } catch {
    // Nowhere to say it.
  }
  process.exit(code);
}
