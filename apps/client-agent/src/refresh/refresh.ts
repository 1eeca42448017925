// The `refresh` command (issue 25, "Refresh an existing computer"): run on an installed system, it
// asks the DP to make this machine's deployment pending again, makes the next boot a network
// boot where the firmware lets the OS choose it, and reboots. Every command (efibootmgr, bcdedit,
// the reboot) goes through an injected runner: the spec checks them and never runs one.
import { withPatience, type Clock } from '../dp/patience';
import { AgentError, EXIT, type ExitCode } from '../errors';
import type { AssignmentRequest } from '../flow/run-assignment';
import { printable } from '../output/printable';
import { parseBcdeditFirmware } from './bcdedit';
import { parseEfibootmgr } from './efibootmgr';
import { bcdBootEntries, efiBootEntries, pickNetworkEntry, type BootEntry, type NetworkPick } from './network-entry';
import type { RefreshAnswer, RefreshRequest } from './refresh-api';

/** Runs a command to its end and keeps its output; `code` is null when it could not start. */
export type OutputRunner = (cmd: string, args: readonly string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;

export interface RefreshOptions {
  readonly server: string;
  readonly token?: string;
  /** --server-fingerprint: the SHA-256 of the DP's TLS certificate (64 hex digits), pinned. */
  readonly serverFingerprint?: string;
  /** --deployment: which one to re-arm when several target the machine. */
  readonly deployment?: string;
  /** false with --no-reboot: everything but the reboot is done, and the reboot command printed. */
  readonly reboot: boolean;
  readonly json: boolean;
}

export interface RefreshDeps {
  readonly dp: { refresh(body: RefreshRequest): Promise<RefreshAnswer> };
  /** MACs first (the DP matches by MAC), then SMBIOS facts where the platform gives them. */
  readonly identity: () => Omit<AssignmentRequest, 'choose'>;
  readonly platform: NodeJS.Platform;
  /** Linux: /sys/firmware/efi exists (the kernel was started by UEFI firmware). */
  readonly uefi: () => boolean;
  /** systemd runs the machine: `systemctl reboot`; else `reboot`. */
  readonly systemd: boolean;
  readonly exec: OutputRunner;
  readonly clock: Clock;
  readonly out: (text: string) => void;
}

/** How long the DP is retried (a restart, a short outage): someone is waiting at the machine. */
export const REFRESH_PATIENCE_MS = 30_000;

/** What the next boot will be: a one-time boot entry the OS sets, or the firmware's own order (BIOS). */
type BootPlan =
  | { kind: 'uefi'; entry: BootEntry; why: string; set: [string, string[]] }
  | { kind: 'bios'; note: string };

export interface RefreshStep {
  readonly step: 'identity' | 'firmware' | 'rearm' | 'next-boot' | 'reboot';
  readonly text: string;
  readonly [field: string]: unknown;
}

export async function refresh(opts: RefreshOptions, deps: RefreshDeps): Promise<ExitCode> {
  const say = (s: RefreshStep): void => {
    deps.out(opts.json ? `${JSON.stringify({ time: new Date(deps.clock.now()).toISOString(), ...s })}\n` : `${printable(`castpoint-agent refresh: ${s.text}`)}\n`);
  };
  const id = deps.identity();
  if (id.macs.length === 0) throw new AgentError('usage', 'No network interface with a MAC address was found: the DP identifies machines by MAC');
  say({ step: 'identity', text: `this machine: ${id.macs.join(', ')}${id.model ? `, ${id.model}` : ''}`, macs: id.macs });

  // The firmware is read before the DP is asked: a machine that cannot network-boot next is
  // refused with nothing changed anywhere.
  const plan = await bootPlan(deps, id.macs);
  say(plan.kind === 'uefi'
    ? { step: 'firmware', text: `network boot entry ${plan.entry.id} "${plan.entry.description}" (${plan.why})`, entry: plan.entry.id, description: plan.entry.description }
    : { step: 'firmware', text: plan.note, bios: true });

  const answer = await withPatience(() => deps.dp.refresh({ ...id, ...(opts.deployment === undefined ? {} : { deployment: opts.deployment }) }), deps.clock, {
    patienceMs: REFRESH_PATIENCE_MS,
    onRetry: (e) => say({ step: 'rearm', text: `${e.message}; asking again` }),
  });
  say({
    step: 'rearm',
    text: `the DP ${answer.rearmed > 0 ? 're-armed' : 'already had pending'} deployment ${answer.deployment} (image ${answer.image}) for machine ${answer.machine}`,
    machine: answer.machine,
    deployment: answer.deployment,
    image: answer.image,
    rearmed: answer.rearmed,
  });

  const done = `deployment ${answer.deployment} is pending on the DP`;
  if (plan.kind === 'uefi') {
    const [cmd, args] = plan.set;
    const r = await deps.exec(cmd, args);
    if (r.code !== 0) throw new AgentError('netboot-unavailable', `${done}, but "${[cmd, ...args].join(' ')}" failed (${outcome(r)}): the machine was not rebooted; boot it from the network by hand`, { command: [cmd, ...args] });
    say({ step: 'next-boot', text: `the next boot is entry ${plan.entry.id} (${[cmd, ...args].join(' ')})`, command: [cmd, ...args] });
  }

  const [rcmd, rargs] = rebootCommand(deps.platform, deps.systemd);
  const line = [rcmd, ...rargs].join(' ');
  if (!opts.reboot) {
    say({ step: 'reboot', text: `not rebooting (--no-reboot); would run: ${line}${plan.kind === 'uefi' ? '; the next restart, whenever it is, boots from the network' : ''}`, command: [rcmd, ...rargs], rebooted: false });
    return EXIT.ok;
  }
  say({ step: 'reboot', text: `rebooting: ${line}`, command: [rcmd, ...rargs], rebooted: true });
  const r = await deps.exec(rcmd, rargs);
  if (r.code !== 0) throw new AgentError('netboot-unavailable', `${done}${plan.kind === 'uefi' ? ' and the next boot is the network' : ''}, but "${line}" failed (${outcome(r)}): restart the machine by hand`, { command: [rcmd, ...rargs] });
  return EXIT.ok;
}

/** The OS's own clean restart: units stop and file systems unmount (never `reboot -f` here). */
export function rebootCommand(platform: NodeJS.Platform, systemd: boolean): [string, string[]] {
  if (platform === 'win32') return ['shutdown', ['/r', '/t', '0']];
  return systemd ? ['systemctl', ['reboot']] : ['reboot', []];
}

async function bootPlan(deps: RefreshDeps, macs: readonly string[]): Promise<BootPlan> {
  if (deps.platform === 'win32') {
    const r = await deps.exec('bcdedit', ['/enum', 'firmware']);
    if (r.code !== 0) {
      throw new AgentError('netboot-unavailable', `"bcdedit /enum firmware" failed (${outcome(r)}): run refresh as Administrator; a BIOS (not UEFI) machine has no firmware entries to choose from, so set its boot order to network first and restart it yourself. Nothing was re-armed`);
    }
    const f = parseBcdeditFirmware(r.stdout);
    return uefiPlan(pickNetworkEntry(bcdBootEntries(f.objects), macs, f.displayOrder), (id) => ['bcdedit', ['/set', '{fwbootmgr}', 'bootsequence', id]], 'bcdedit /enum firmware');
  }
  if (deps.platform !== 'linux') throw new AgentError('usage', `castpoint-agent refresh runs on Linux and Windows, not ${deps.platform}`);
  if (!deps.uefi()) {
    return { kind: 'bios', note: 'this machine boots by BIOS (no /sys/firmware/efi): the next boot cannot be chosen from the OS, so it network-boots only if the firmware boot order puts the network first (safe to leave on: the DP answers "exit", boot from disk, while nothing is pending)' };
  }
  const r = await deps.exec('efibootmgr', ['-v']);
  if (r.code === null) throw new AgentError('netboot-unavailable', 'efibootmgr could not be started: install it (Debian/Ubuntu: apt-get install efibootmgr). Nothing was re-armed');
  if (r.code !== 0) throw new AgentError('netboot-unavailable', `"efibootmgr -v" failed (${outcome(r)}): refresh must run as root. Nothing was re-armed`);
  const s = parseEfibootmgr(r.stdout);
  return uefiPlan(pickNetworkEntry(efiBootEntries(s.entries), macs, s.order), (id) => ['efibootmgr', ['--bootnext', id]], 'efibootmgr -v', (id) => `efibootmgr -b ${id} -a`);
}

function uefiPlan(p: NetworkPick, set: (id: string) => [string, string[]], source: string, enable?: (id: string) => string): BootPlan {
  if (p.ok) return { kind: 'uefi', entry: p.pick.entry, why: p.why, set: set(p.pick.entry.id) };
  const hint = enable && p.inactive.length > 0 ? `; enable one with ${p.inactive.map((n) => enable(n.entry.id)).join(' or ')}` : '; enable network boot (PXE) in the firmware setup';
  throw new AgentError('netboot-unavailable', `${source}: ${p.reason}${hint}. Nothing was re-armed and the machine was not rebooted`);
}

function outcome(r: { code: number | null; stdout: string; stderr: string }): string {
  if (r.code === null) return 'it could not start';
  const said = (r.stderr.trim() || r.stdout.trim()).split(/\r?\n/).slice(-2).join(' ').slice(0, 300);
  return `exit ${r.code}${said ? `: ${said}` : ''}`;
}
