// Builds the real dependencies of `castpoint-agent run` (the machine's /sys, /proc/cmdline, the DP,
// the deploy's own wiring, the shell, reboot/poweroff) and runs it. Everything it wires is tested
// apart (flow/run.spec.ts drives the same flow against a fake DP and a fake root).
import { readFileSync } from 'node:fs';
import { DEFAULT_CAPTURE_CHUNK_SIZE } from './capture-options';
import { CaptureClient } from './dp/capture-client';
import { DpClient } from './dp/dp-client';
import { runCapture } from './flow/capture';
import { realClock } from './dp/patience';
import type { ExitCode } from './errors';
import { deploy } from './flow/deploy';
import { run } from './flow/run';
import { spawnRunner, underSystemd } from './flow/run-after';
import { validateRunOptions, type RawRunArgs, type RunContext } from './flow/run-options';
import { RunReporter } from './flow/run-reporter';
import { runScript } from './flow/run-script';
import { readIdentity, type MachineIdentity } from './identity/identity';
import { readWindowsIdentity } from './identity/windows-identity';
import { kernel32 } from './win32/kernel32';
import type { OptionContext } from './options';
import { checkedPreflight, openSource } from './run-capture';
import { processCpuSeconds, processSink, realDeployDeps } from './run-deploy';

/** The machine's identity: /sys on Linux; on Windows (WinPE) SMBIOS, adapters and disks through Win32. */
function identity(): MachineIdentity {
  if (process.platform === 'win32') return readWindowsIdentity(kernel32());
  return readIdentity('/');
}

function kernelCommandLine(): string | undefined {
  try {
    return readFileSync('/proc/cmdline', 'utf8');
  } catch {
    return undefined;
  }
}

/** The real machine: its kernel command line, and `/` as the root of /sys, /dev and /var. */
export function runContext(base: OptionContext): RunContext {
  return { ...base, cmdline: kernelCommandLine(), root: '/' };
}

/** Validates the options (usage errors, thrown, before anything is asked) and runs. */
export async function runRunCommand(raw: RawRunArgs, ctx: RunContext): Promise<ExitCode> {
  const opts = validateRunOptions(raw, ctx);
  const reporter = new RunReporter(processSink(), { mode: opts.output, cpuSeconds: processCpuSeconds, verbose: raw.verbose === true }, () => new Date().toISOString());
  return run(opts, {
    dp: new DpClient({ server: opts.server, ...(opts.token === undefined ? {} : { token: opts.token }), ...(opts.serverFingerprint === undefined ? {} : { serverFingerprint: opts.serverFingerprint }) }),
    identity,
    deploy: (d) => deploy(d, realDeployDeps(d, reporter)),
    // The grant, never the run's own token: the boot environment's token may not capture.
    capture: (c) =>
      runCapture({
        source: c.source,
        name: c.image,
        chunkSize: DEFAULT_CAPTURE_CHUNK_SIZE,
        api: new CaptureClient({ server: opts.server, token: c.grant, ...(opts.serverFingerprint === undefined ? {} : { serverFingerprint: opts.serverFingerprint }) }),
        preflight: checkedPreflight,
        open: openSource,
        onEvent: c.onEvent,
      }),
    script: runScript,
    commands: spawnRunner,
    systemd: underSystemd(ctx.root),
    clock: realClock,
    reporter,
    ctx,
  });
}
