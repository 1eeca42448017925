// What the machine does once it is deployed and reported (reboot | poweroff | none), through an
// injected command runner: tests check the command and never run it.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { AfterAction } from './run-assignment';

/** Runs a command to its end; resolves its exit code (null when it could not start). */
export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<number | null>;

/**
 * The command for an after-action. Under systemd its own `systemctl reboot` (units stop, file
 * systems unmount); in a boot environment without it (an initramfs, busybox) `reboot -f`, which
 * restarts at once: nothing there holds data, and the deployed disk was synced before the report.
 * On Windows (WinPE) `wpeutil reboot` / `wpeutil shutdown`.
 */
export function afterCommand(action: Exclude<AfterAction, 'none'>, systemd: boolean, platform: NodeJS.Platform = process.platform): [string, string[]] {
  // The Windows agent runs in WinPE, which has no shutdown.exe: wpeutil restarts or powers off.
  if (platform === 'win32') return ['wpeutil', [action === 'reboot' ? 'reboot' : 'shutdown']];
  return systemd ? ['systemctl', [action]] : [action, ['-f']];
}

export const spawnRunner: CommandRunner = async (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  return r.error ? null : r.status;
};

/** Whether systemd runs this machine (its documented test: /run/systemd/system exists). */
export function underSystemd(root = '/'): boolean {
  return existsSync(`${root.replace(/\/$/, '')}/run/systemd/system`);
}
