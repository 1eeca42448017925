// The iPXE script a network-booting machine gets from GET /boot/ipxe: a pure function of what the
// DP knows about the machine and what decide() says, so every case is one table row in the spec.
import type { Decision } from '../deployments/decide';
import type { UnknownMachinePolicy } from './boot-settings';

/** Files of the boot environment, served by GET /boot/files/NAME from the bootenv directory. */
export const BOOTENV_FILES = { kernel: 'vmlinuz', initrd: 'initrd.img' } as const;

/** How long the menu of available deployments waits before it boots the disk. @default 10 s */
export const MENU_TIMEOUT_MS = 10_000;

export interface BootScriptInput {
  /** The machine's name in the DP; undefined when its MACs name several machines (a conflict). */
  readonly machine: { readonly name: string; readonly state: 'known' | 'unknown' } | undefined;
  /** The MAC it booted from, lower case with colons. */
  readonly mac: string;
  /** decide()'s answer; undefined with `machine`. */
  readonly decision: Decision | undefined;
  readonly unknownMachines: UnknownMachinePolicy;
  /** The DP's URL as the machine reached it, e.g. http://10.77.0.1:8080 (no trailing slash). */
  readonly dpUrl: string;
  /** The machine's boot token (see boot-token.ts). */
  readonly bootToken: string;
  /** The SHA-256 of the DP's TLS certificate when it serves HTTPS: the agent pins it (castpoint.fingerprint=). */
  readonly tlsFingerprint?: string;
  /** Why the boot environment cannot be served, if it cannot (then nothing boots it). */
  readonly bootenvMissing?: string;
  /** @default MENU_TIMEOUT_MS */
  readonly menuTimeoutMs?: number;
}

export interface BootScript {
  /** What the script does, for the log and the tests. */
  readonly outcome: 'bootenv' | 'exit' | 'menu';
  readonly text: string;
}

/** Names iPXE and a kernel command line take as they are (deployment names are checked at creation, but a script must never be injectable). */
const SAFE = /^[A-Za-z0-9._-]{1,63}$/;

export function renderBootScript(input: BootScriptInput): BootScript {
  const { machine, decision } = input;
  if (!machine || !decision) return exitScript(`the MAC ${input.mac} belongs to several machines: an operator must sort it out`);
  const who = `machine ${safeText(machine.name)}`;
  // A capture runs in the boot environment too (the agent's `run` reads the disk there).
  if (decision.action === 'deploy' || decision.action === 'capture') {
    if (input.bootenvMissing) return exitScript(`${who} has deployment ${safeText(decision.deployment)} pending, but ${input.bootenvMissing}`);
    return { outcome: 'bootenv', text: lines(`echo castpoint: ${who}: deployment ${safeText(decision.deployment)}`, ...bootenvLines(input, [])) };
  }
  if (machine.state === 'unknown' && input.unknownMachines === 'bootenv') {
    if (input.bootenvMissing) return exitScript(`unknown ${who}: ${input.bootenvMissing}`);
    return { outcome: 'bootenv', text: lines(`echo castpoint: unknown ${who}: starting the boot environment to register it`, ...bootenvLines(input, [])) };
  }
  if (decision.action === 'nothing') {
    const choices = decision.available.filter((n) => SAFE.test(n));
    if (choices.length > 0 && !input.bootenvMissing) return menuScript(input, who, choices);
  }
  return exitScript(`${who}: ${decision.action === 'wait' ? `waits: ${decision.reason}` : decision.reason}`);
}

function bootenvLines(input: BootScriptInput, extraArgs: readonly string[]): string[] {
  const base = `${input.dpUrl}/boot/files`;
  const args = [
    // UEFI iPXE hands the kernel its initrd by this name.
    `initrd=${BOOTENV_FILES.initrd}`,
    `castpoint.server=${input.dpUrl}`,
    `castpoint.token=${input.bootToken}`,
    `castpoint.mac=${input.mac}`,
    ...(input.tlsFingerprint ? [`castpoint.fingerprint=${input.tlsFingerprint}`] : []),
    ...extraArgs,
    // The last console is /dev/console: the serial line, where labs and VMs watch progress.
    'console=tty0',
    'console=ttyS0,115200n8',
  ];
  return [`kernel ${base}/${BOOTENV_FILES.kernel} ${args.join(' ')}`, `initrd ${base}/${BOOTENV_FILES.initrd}`, 'boot'];
}

function menuScript(input: BootScriptInput, who: string, choices: readonly string[]): BootScript {
  const out = [`menu castpoint: ${who}`, 'item --gap Available deployments:'];
  choices.forEach((name, i) => out.push(`item d${i} ${name}`));
  out.push('item --gap', 'item --default disk Boot from disk');
  // Nobody at the keyboard: the disk boots after the timeout, as if nothing were offered.
  out.push(`choose --timeout ${input.menuTimeoutMs ?? MENU_TIMEOUT_MS} --default disk target || goto disk`, 'goto ${target}');
  choices.forEach((name, i) => out.push(`:d${i}`, `echo castpoint: ${who}: deployment ${name} chosen`, ...bootenvLines(input, [`castpoint.choose=${name}`])));
  out.push(':disk', EXIT_TO_NEXT_BOOT_DEVICE);
  return { outcome: 'menu', text: lines(...out) };
}

/**
 * Hands back to the firmware so that it boots the next device, the machine's disk. With a failure
 * status: a UEFI boot manager (EDK2's BdsDxe, so OVMF, and Dell's and Lenovo's firmware) moves on
 * to the next Boot#### entry only when the network boot option FAILED; a bare `exit` (status 0) is
 * a success there, which ends its boot loop in the boot manager's menu, and the machine waits at
 * it forever (seen in the VM lab with OVMF). BIOS firmware ignores the status.
 */
const EXIT_TO_NEXT_BOOT_DEVICE = 'exit 1';

function exitScript(reason: string): BootScript {
  return { outcome: 'exit', text: lines(`echo castpoint: ${safeText(reason)}; booting from disk`, EXIT_TO_NEXT_BOOT_DEVICE) };
}

/** iPXE expands ${...} in every command: text from the store is never allowed to. */
function safeText(s: string): string {
  return s.replace(/[^\x20-\x7e]|[$\\]/g, '?');
}

function lines(...l: string[]): string {
  return ['#!ipxe', ...l, ''].join('\n');
}
