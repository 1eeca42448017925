// Builds the real dependencies of `castpoint-agent refresh` (the machine's identity, its firmware
// tools, the DP, the reboot) and runs it. Everything it wires is tested apart: refresh/refresh.spec.ts
// drives the same flow with recorded commands and a fake DP.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { DpClient } from './dp/dp-client';
import { realClock } from './dp/patience';
import type { ExitCode } from './errors';
import { underSystemd } from './flow/run-after';
import type { AssignmentRequest } from './flow/run-assignment';
import { readIdentity } from './identity/identity';
import type { OptionContext } from './options';
import { refresh, type OutputRunner, type RefreshOptions } from './refresh/refresh';
import { validateRefreshOptions, type RawRefreshArgs } from './refresh/refresh-options';

/** Linux: /sys as `run` reads it. Windows: the MACs Node sees (no SMBIOS facts: the DP matches by MAC). */
function identity(): Omit<AssignmentRequest, 'choose'> {
  if (process.platform === 'win32') {
    const macs = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal && i.mac !== '00:00:00:00:00:00')
      .map((i) => i.mac.toLowerCase());
    return { macs: [...new Set(macs)].sort() };
  }
  const id = readIdentity('/');
  return {
    macs: id.macs,
    ...(id.uuid ? { uuid: id.uuid } : {}),
    ...(id.serial ? { serial: id.serial } : {}),
    ...(id.vendor ? { vendor: id.vendor } : {}),
    ...(id.model ? { model: id.model } : {}),
  };
}

/** Runs a firmware tool or the reboot, keeping its output for the parsers and the error message. */
const spawnOutput: OutputRunner = (cmd, args) =>
  new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', () => resolve({ code: null, stdout: '', stderr: '' }));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });

/** The DP as refresh talks to it: the client token, and the certificate pinned when a fingerprint is given. */
export function refreshDpClient(opts: Pick<RefreshOptions, 'server' | 'token' | 'serverFingerprint'>): DpClient {
  return new DpClient({
    server: opts.server,
    ...(opts.token === undefined ? {} : { token: opts.token }),
    ...(opts.serverFingerprint === undefined ? {} : { serverFingerprint: opts.serverFingerprint }),
  });
}

export async function runRefreshCommand(raw: RawRefreshArgs, ctx: OptionContext): Promise<ExitCode> {
  const opts = validateRefreshOptions(raw, ctx);
  return refresh(opts, {
    dp: refreshDpClient(opts),
    identity,
    platform: process.platform,
    uefi: () => existsSync('/sys/firmware/efi'),
    systemd: underSystemd('/'),
    exec: spawnOutput,
    clock: realClock,
    out: (t) => process.stdout.write(t),
  });
}
