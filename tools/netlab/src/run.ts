import { spawnSync } from 'node:child_process';

/** A command of the lab's setup failed; `command` is what a person can paste to reproduce it. */
export class NetlabError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = 'NetlabError';
  }
}

/** Runs a setup command synchronously; setup is a handful of short `ip`/`nft`/`tc` calls. */
export function run(cmd: string, args: readonly string[], input?: string): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 20_000 });
  const shown = [cmd, ...args].join(' ');
  if (res.error) throw new NetlabError(`cannot run ${cmd}: ${res.error.message}`, shown);
  if (res.status !== 0) {
    const why = (res.stderr || res.stdout || '').trim();
    throw new NetlabError(`\`${shown}\` failed (exit ${String(res.status)}): ${why}`, shown);
  }
  return res.stdout;
}

/** Like run, but a failure is ignored: used in tear-down, where "already gone" is success. */
export function tryRun(cmd: string, args: readonly string[]): boolean {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return !res.error && res.status === 0;
}

/** Runs `cmd` inside network namespace `ns`. */
export function runIn(ns: string, cmd: string, args: readonly string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}
