// `castpoint-dp bootenv winpe --out DIR`: the WinPE kit (winpe-kit/), with the DP's session ports
// from --port-range (the DP's own setting, default 63000-64000) for the firewall rule.
import path from 'node:path';
import { parsePortRange } from '../config/parse';
import { buildWinpeKit, KitError, type KitReport } from '../winpe-kit/build-kit';
import { usage } from './api-args';
import type { CliIo } from './io';

export interface BootenvWinpeArgs {
  readonly out?: string;
  readonly agent?: string;
  readonly server?: string;
  readonly token?: string;
  readonly 'port-range'?: string;
  readonly json?: boolean;
}

/** Where the Windows agent lands beside this bundle (dist/apps/dp-server/main.cjs -> dist/castpoint-agent-win-x64.exe). */
function defaultAgent(): string {
  return path.resolve(__dirname, '../../castpoint-agent-win-x64.exe');
}

export function formatKitReport(r: KitReport): string {
  return [
    `WinPE kit in ${r.out} (copy it over the mounted boot.wim's root):`,
    ...r.files.map((f) => `  ${f}`),
    `the agent imports ${r.imports.dlls.join(', ')}${r.imports.delayLoaded.length > 0 ? `; delay-loads ${r.imports.delayLoaded.join(', ')}` : ''}`,
    'run X:\\castpoint\\check-dlls.cmd once in your WinPE: it looks for each of them in System32',
    '',
  ].join('\n');
}

export function bootenvWinpe(a: BootenvWinpeArgs, io: CliIo): void {
  if (a.out === undefined || a.out.trim() === '') throw usage('give --out DIR: the folder the kit is written to');
  if (a.server !== undefined && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(a.server)) throw usage(`--server must be the DP's URL, such as http://10.0.0.5:8080, got "${a.server}"`);
  const ports = parsePortRange(a['port-range'] ?? '63000-64000');
  let report: KitReport;
  try {
    report = buildWinpeKit({
      out: path.resolve(a.out),
      agent: path.resolve(a.agent ?? defaultAgent()),
      ...(a.server === undefined ? {} : { server: a.server.replace(/\/$/, '') }),
      ...(a.token === undefined ? {} : { token: a.token }),
      portLow: ports.low,
      portHigh: ports.high,
    });
  } catch (err) {
    if (err instanceof KitError || err instanceof RangeError) throw usage(err.message);
    throw err;
  }
  io.out(a.json ? `${JSON.stringify(report)}\n` : formatKitReport(report));
}
