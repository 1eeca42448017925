// Builds the real dependencies of a deploy (HTTP client, disk store, sockets, terminal, clock) and
// runs it. The only module that touches process-wide things; everything it wires is tested apart.
import { lookup } from 'node:dns/promises';
import { physicalDriveNumber } from '@castpoint/chunking';
import { hostname, networkInterfaces } from 'node:os';
import { agentBufferPool } from './adapters/buffer-pool';
import { libStoreOpener } from './adapters/lib-store';
import { libSessionFactory } from './adapters/lib-session';
import { DpClient } from './dp/dp-client';
import { describeNetworkCause } from './dp/network-cause';
import { realClock } from './dp/patience';
import { AgentError, type ExitCode } from './errors';
import { fileMemory } from './flow/agent-state';
import { readInterfaceMtu } from './identity/interface-mtu';
import { deploy, type DeployDeps, type DpApi } from './flow/deploy';
import type { ChunkStoreOpener } from './flow/ports';
import type { DeployOptions } from './options';
import { Reporter, type OutputSink } from './output/reporter';
import { watchContent } from './wim/content-watch';
import { realWimStoreOpener } from './wim/wim-deps';
import { kernel32 } from './win32/kernel32';
import { packetCryptoDetail } from './adapters/native-addon-asset';
import { physicalDriveTarget, type PhysicalDriveTarget } from './win32/physical-drive-target';

export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export async function runDeployCommand(opts: DeployOptions): Promise<ExitCode> {
  const reporter = new Reporter(processSink(), { mode: opts.output, cpuSeconds: processCpuSeconds, verbose: opts.verbose });
  return deploy(opts, realDeployDeps(opts, reporter));
}

/** stdout and stderr, with the terminal's width when stdout is one. */
export function processSink(): OutputSink {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
  };
}

/** The real dependencies of one deploy: `deploy` and `run` both deploy through these. */
export function realDeployDeps(opts: DeployOptions, reporter: Reporter): DeployDeps {
  reporter.detail(packetCryptoDetail());
  const { dp, stores } = imageStores(opts, new DpClient({ server: opts.server, ...(opts.token === undefined ? {} : { token: opts.token }), ...(opts.serverFingerprint === undefined ? {} : { serverFingerprint: opts.serverFingerprint }) }), reporter);
  return {
    dp,
    stores,
    sessions: libSessionFactory(),
    clock: realClock,
    reporter,
    memory: fileMemory(opts.stateDir),
    hostname: hostname(),
    interfaces: () => networkInterfaces(),
    resolveDp: () => resolveDp(opts.server),
    interfaceMtu: (name) => readInterfaceMtu(name),
    buffers: agentBufferPool(opts.directIo),
    stop: stopOnSignals(),
  };
}

/**
 * The target's store for whatever the DP's replies say the image is: a disk image written as is,
 * or a WIM staged and applied to the disk. `dp` is wrapped to hear the replies; deploy (and `run`,
 * which deploys the same way) must use the returned one.
 */
export function imageStores(opts: DeployOptions, client: DpApi, reporter: Reporter): { dp: DpApi; stores: ChunkStoreOpener } {
  const { dp, watch } = watchContent(client);
  const fileOpts = { stateDir: opts.stateDir, readBack: opts.readBack, directIo: opts.directIo, onWarning: (w: string) => reporter.note(w), onInfo: (t: string) => reporter.detail(t) };
  return {
    dp,
    stores: realWimStoreOpener({
      target: opts.target,
      stagingDir: opts.stagingDir,
      disk: libStoreOpener({ ...fileOpts, target: opts.target, stateDirGiven: opts.stateDirGiven, ...windowsDiskOf(opts.target) }),
      staging: (file) => libStoreOpener({ ...fileOpts, target: file, stateDirGiven: true }),
      content: watch,
      onStep: (t) => reporter.note(t),
    }),
  };
}

/** The Win32 writer for `\\.\PhysicalDriveN` on Windows (koffi is loaded only then). */
function windowsDiskOf(target: string): { windowsDisk?: PhysicalDriveTarget } {
  if (process.platform !== 'win32' || physicalDriveNumber(target) === undefined) return {};
  return { windowsDisk: physicalDriveTarget(kernel32()) };
}

/** The DP's IPv4 address; a failed lookup says why, as a failed request does (not exit 1 "internal"). */
async function resolveDp(server: string): Promise<string> {
  const url = new URL(server);
  try {
    return (await lookup(url.hostname, { family: 4 })).address;
  } catch (err) {
    throw new AgentError('dp-unreachable', `The DP at ${server} cannot be reached: ${describeNetworkCause(err, url)}`, undefined, { cause: err });
  }
}

/**
 * Ctrl-C and SIGTERM end the deploy the orderly way (journal, DP told, exit 130 / 143) instead of
 * killing the process mid-write. Each handler runs once: a second Ctrl-C kills at once.
 */
function stopOnSignals(): Promise<never> {
  return new Promise<never>((_, reject) => {
    process.once('SIGINT', () => reject(new AgentError('interrupted', 'Stopped by Ctrl-C; what was written is journaled: run the same command to resume')));
    process.once('SIGTERM', () => reject(new AgentError('terminated', 'Stopped by SIGTERM; what was written is journaled: run the same command to resume')));
  });
}
