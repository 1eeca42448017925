import path from 'node:path';
import { buildBootenv, type BootenvReport } from '../bootenv/build';
import { usage } from './api-args';
import type { CliIo } from './io';

export interface BootenvBuildArgs {
  readonly out?: string;
  readonly 'data-dir'?: string;
  readonly cache?: string;
  readonly agent?: string;
  readonly 'kernel-package'?: string;
  readonly json?: boolean;
}

const MB = 1e6;

/** Where the agent lands beside this bundle (dist/apps/dp-server/main.cjs -> dist/castpoint-agent-linux-x64). */
function defaultAgent(): string {
  return path.resolve(__dirname, '../../castpoint-agent-linux-x64');
}

export function formatBootenvReport(r: BootenvReport): string {
  return [
    `boot environment: ${r.kernelPackage} (${r.kernelVersion}), ${r.modules.length} modules`,
    `  kernel      ${r.kernel}  ${(r.kernelBytes / MB).toFixed(1)} MB`,
    `  initramfs   ${r.initrd}  ${(r.initrdBytes / MB).toFixed(1)} MB (${(r.unpackedBytes / MB).toFixed(1)} MB unpacked, agent ${(r.agentBytes / MB).toFixed(1)} MB)`,
    `  RAM needed  ${r.ramMiB} MiB`,
    '',
  ].join('\n');
}

/** `castpoint-dp bootenv build`: out defaults to DATA_DIR/bootenv, the download cache to DATA_DIR/cache/debian. */
export function bootenvBuild(a: BootenvBuildArgs, io: CliIo, env: Readonly<Record<string, string | undefined>> = process.env): void {
  const dataDir = a['data-dir'] ?? env['CASTPOINT_DATA_DIR'];
  const out = a.out ?? (dataDir !== undefined ? path.join(dataDir, 'bootenv') : undefined);
  if (out === undefined) throw usage('give --out DIR, or --data-dir DIR (env CASTPOINT_DATA_DIR) to build into DATA_DIR/bootenv');
  const cacheDir = a.cache ?? path.join(dataDir ?? path.dirname(path.resolve(out)), 'cache', 'debian');
  const report = buildBootenv({
    out: path.resolve(out),
    cacheDir: path.resolve(cacheDir),
    agent: path.resolve(a.agent ?? defaultAgent()),
    ...(a['kernel-package'] !== undefined ? { kernelPackage: a['kernel-package'] } : {}),
    log: (line) => io.err(`bootenv: ${line}\n`),
  });
  io.out(a.json ? `${JSON.stringify(report)}\n` : formatBootenvReport(report));
}
