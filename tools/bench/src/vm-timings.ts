// Per-VM timings read from a lab VM's serial console (tools/vmlab stamps each line with the
// seconds since power-on): the boot environment's `castpoint[..]: ...` steps, the agent's JSON
// progress lines, the firmware's banner when the VM restarts, and the written disk's marker.
import type { SerialLine } from '@castpoint/vmlab';

export interface VmTimings {
  readonly name: string;
  readonly mac: string;
  /** Power-on to the boot environment starting the agent. */
  readonly toAgentStart?: number;
  /** First received data to the start of the check (agent progress lines, 1 s resolution). */
  readonly transfer?: number;
  /** The check to the agent's end: verifying, reporting to the DP. */
  readonly verify?: number;
  /** The agent's end (its reboot, or its exit then power-off) to the marker of the written disk. */
  readonly rebootToMarker?: number;
  /** Power-on to the marker. */
  readonly total?: number;
  /** The agent's exit code; 0 for `run`, which reboots the machine itself once it has reported. */
  readonly agentExit?: number;
  readonly reachedMarker: boolean;
  /** What the DP's /boot/ipxe answered this VM, in order (network boot only): ['bootenv', 'exit']. */
  readonly bootScripts?: readonly string[];
  readonly consoleFirstBoot: string;
  readonly consoleDiskBoot: string;
}

/** The agent's JSON progress state on a console line, if it is one. */
export function agentState(text: string): string | undefined {
  const o = jsonOn(text);
  return typeof o?.['state'] === 'string' ? o['state'] : undefined;
}

function jsonOn(text: string): Record<string, unknown> | undefined {
  const i = text.indexOf('{"');
  if (i < 0) return undefined;
  try {
    const o = JSON.parse(text.slice(i)) as unknown;
    return typeof o === 'object' && o !== null ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const AGENT_START = /castpoint\[[\d.]+\]: agent start/;
const AGENT_EXIT = /castpoint\[[\d.]+\]: agent exit (\d+)/;
/**
 * What firmware prints first at every power-on and reset: SeaBIOS's banner; OVMF's first line on
 * the serial console is its boot manager loading the first boot entry (the network).
 */
const FIRMWARE = /^SeaBIOS \(version|^BdsDxe: loading Boot/;

const round = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x * 10) / 10);

/**
 * Timings of a VM that network-booted, was deployed by `castpoint-agent run`, restarted itself and
 * booted its disk, all in one qemu process (one console): the agent's end is its `after` step
 * (the reboot command it runs), else the last line before the firmware's second banner.
 */
export function networkBootTimings(name: string, mac: string, lines: readonly SerialLine[], marker: string): VmTimings {
  const start = lines.findIndex((l) => AGENT_START.test(l.text));
  const restart = lines.findIndex((l, i) => i > start && start >= 0 && FIRMWARE.test(l.text));
  const agentLines = start < 0 ? [] : lines.slice(start, restart < 0 ? undefined : restart);
  const afterStep = agentLines.find((l) => jsonOn(l.text)?.['step'] === 'after');
  const failed = agentLines.find((l) => AGENT_EXIT.test(l.text));
  const end = afterStep ?? (restart > 0 ? lines[restart - 1] : undefined);
  const markerLine = restart < 0 ? undefined : lines.slice(restart).find((l) => l.text.includes(marker));
  const receiving = agentLines.find((l) => agentState(l.text) === 'receiving')?.t;
  // A check shorter than the 1 s progress period shows no `verifying` line: `done` ends the transfer.
  const checking = agentLines.find((l) => agentState(l.text) === 'verifying' || agentState(l.text) === 'done')?.t;
  return {
    name,
    mac,
    toAgentStart: round(lines[start]?.t),
    transfer: round(receiving !== undefined && checking !== undefined ? checking - receiving : undefined),
    verify: round(checking !== undefined && end ? end.t - checking : undefined),
    rebootToMarker: round(end && markerLine ? markerLine.t - end.t : undefined),
    total: round(markerLine?.t),
    // `run` that reached its after step exited 0 in effect (it reports first, then reboots).
    agentExit: failed ? Number(AGENT_EXIT.exec(failed.text)?.[1]) : afterStep ? 0 : undefined,
    reachedMarker: markerLine !== undefined,
    consoleFirstBoot: (restart < 0 ? lines : lines.slice(0, restart)).map(fmt).join('\n'),
    consoleDiskBoot: (restart < 0 ? [] : lines.slice(restart)).map(fmt).join('\n'),
  };
}

/**
 * Timings of a VM started by qemu's direct kernel boot (`deploy`, then power-off) and powered on
 * again from its disk: two consoles, two power-ons (`secondStartOffset`: seconds between them).
 */
export function directBootTimings(name: string, mac: string, first: readonly SerialLine[], second: readonly SerialLine[], secondStartOffset: number, marker: string): VmTimings {
  const agentStart = first.find((l) => AGENT_START.test(l.text))?.t;
  const receiving = first.find((l) => agentState(l.text) === 'receiving')?.t;
  const verifying = first.find((l) => agentState(l.text) === 'verifying')?.t;
  const exitLine = first.find((l) => AGENT_EXIT.test(l.text));
  const markerLine = second.find((l) => l.text.includes(marker));
  const markerAbs = markerLine ? secondStartOffset + markerLine.t : undefined;
  return {
    name,
    mac,
    toAgentStart: round(agentStart),
    transfer: round(receiving !== undefined && verifying !== undefined ? verifying - receiving : undefined),
    verify: round(verifying !== undefined && exitLine ? exitLine.t - verifying : undefined),
    rebootToMarker: round(exitLine && markerAbs !== undefined ? markerAbs - exitLine.t : undefined),
    total: round(markerAbs),
    agentExit: exitLine ? Number(AGENT_EXIT.exec(exitLine.text)?.[1]) : undefined,
    reachedMarker: markerLine !== undefined,
    consoleFirstBoot: first.map(fmt).join('\n'),
    consoleDiskBoot: second.map(fmt).join('\n'),
  };
}

function fmt(l: SerialLine): string {
  return `[${l.t.toFixed(1).padStart(6)}] ${l.text}`;
}
