// The DP side of the VM lab's firmware network boot (issue #25): the DP is the lab LAN's DHCP
// server and boot service (`serve --boot --dhcp-range`), the VMs are machines known by their MAC
// in one collection, and one required deployment puts the image on them. Which script each VM got
// from `/boot/ipxe` is read back from the DP's log (its `boot script` lines).
import { collect, type Lan } from '@castpoint/netlab';
import { dpCli, type RunningDp } from './fleet';
import { writeFileSync } from 'node:fs';

/** `serve` flags that make the DP the lab LAN's DHCP server and boot service. */
export function dpBootFlags(serverIp: string, bootenv: string): string[] {
  const m = /^(\d+\.\d+\.\d+)\.\d+$/.exec(serverIp);
  if (!m) throw new RangeError(`bad server address ${serverIp}`);
  return ['--boot', '--dhcp-range', `${m[1] ?? ''}.100,${m[1] ?? ''}.199`, '--bootenv', bootenv];
}

/** One `/boot/ipxe` answer as the DP logged it. */
export interface BootScriptAnswer {
  readonly mac: string;
  readonly machine: string | null;
  /** `bootenv`, `menu` or `exit`. */
  readonly outcome: string;
  /** The DP's log time (ms since the epoch). */
  readonly time?: number;
}

/** The DP's `boot script` log lines (JSON, one per /boot/ipxe request), in order. */
export function bootScriptAnswers(dpLog: string): BootScriptAnswer[] {
  return records(dpLog, 'boot script').flatMap((o) => {
    const mac = str(o['mac']);
    const outcome = str(o['outcome']);
    if (mac === null || outcome === null) return [];
    return [{ mac, machine: str(o['machine']), outcome, ...(typeof o['time'] === 'number' ? { time: o['time'] } : {}) }];
  });
}

/** The outcomes of one MAC's script requests, in order (e.g. ['bootenv', 'exit']). */
export function outcomesOf(answers: readonly BootScriptAnswer[], mac: string): string[] {
  return answers.filter((a) => a.mac === mac.toLowerCase()).map((a) => a.outcome);
}

export interface LabMachine {
  readonly name: string;
  readonly mac: string;
}

/**
 * Registers the VMs as known machines (by MAC), puts them in one collection and adds a required
 * deployment of `image` to it that reboots them afterwards: the state an operator prepares
 * before powering a room of machines on.
 */
export async function armDeployment(lan: Lan, dp: RunningDp, opts: { machines: readonly LabMachine[]; image: string; csvPath: string; name?: string }): Promise<void> {
  const name = opts.name ?? 'vmlab';
  writeFileSync(opts.csvPath, `name,mac\n${opts.machines.map((m) => `${m.name},${m.mac}`).join('\n')}\n`);
  const steps: string[][] = [
    ['machine', 'import', opts.csvPath],
    ['collection', 'add', name, '--rule', `mac:${opts.machines.map((m) => m.mac).join(',')}`],
    ['deployment', 'add', name, '--image', opts.image, '--collection', name, '--purpose', 'required', '--after', 'reboot'],
  ];
  for (const args of steps) {
    const r = await dpCli(lan, dp, args);
    if (r.code !== 0) throw new Error(`castpoint-dp ${args.join(' ')} failed (exit ${String(r.code)}): ${r.stderr}${r.stdout}`);
  }
}

/**
 * Waits until the DP's boot service listens on UDP 67 in its namespace (it binds the boot ports
 * only once the machine store is open, after HTTP answers).
 */
export async function waitForBootService(lan: Lan, dp: RunningDp, timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await collect(lan.spawn(lan.server, 'ss', ['-Hlun', 'sport = :67']), 10_000);
    if (r.stdout.trim() !== '') return;
    if (Date.now() > end) throw new Error(`the DP's boot service did not listen on UDP 67 within ${timeoutMs} ms`);
    if (dp.proc.exitCode !== null) throw new Error(`the DP exited (code ${String(dp.proc.exitCode)}) before its boot service started`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** One DHCP reply the DP's boot service logged (`boot: DHCP reply`). */
export interface DhcpReplyLog {
  readonly mac: string;
  /** `lease-offer`, `lease-ack`, `proxy-offer`, `proxy-ack`, `nak`. */
  readonly what: string;
  /** The boot file named: `ipxe.efi`, `undionly.kpxe`, or the script URL for iPXE. */
  readonly file: string | null;
  /** The leased address (lab mode). */
  readonly address: string | null;
  /** The client's architecture as the DP read it (option 93 or 60): `bios`, `efi-x64`, ... */
  readonly arch: string | null;
  /** Whether the client said it is iPXE. */
  readonly ipxe: boolean;
}

/** One TFTP transfer the DP logged as done. */
export interface TftpLog {
  readonly peer: string;
  readonly file: string;
  readonly bytes: number;
}

function records(dpLog: string, msg: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of dpLog.split('\n')) {
    if (!line.includes(`"${msg}"`)) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o['msg'] === msg) out.push(o);
    } catch {
      // Not a log record.
    }
  }
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The DP's DHCP replies, in order. */
export function dhcpReplies(dpLog: string): DhcpReplyLog[] {
  return records(dpLog, 'boot: DHCP reply').flatMap((o) => {
    const mac = str(o['mac']);
    const what = str(o['what']);
    if (mac === null || what === null) return [];
    const arch = o['arch'] as { kind?: unknown } | null | undefined;
    return [{ mac, what, file: str(o['file']), address: str(o['address']), arch: typeof arch?.kind === 'string' ? arch.kind : null, ipxe: o['ipxe'] === true }];
  });
}

/** The DP's finished TFTP transfers, in order. */
export function tftpTransfers(dpLog: string): TftpLog[] {
  return records(dpLog, 'TFTP transfer done').flatMap((o) => {
    const peer = str(o['peer']);
    const file = str(o['file']);
    return peer !== null && file !== null && typeof o['bytes'] === 'number' ? [{ peer, file, bytes: o['bytes'] }] : [];
  });
}
