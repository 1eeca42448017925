import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';

/**
 * Every namespace a lab makes is named `cpl-<pid>-<tag>-<host>`. The owner's pid in the name lets a
 * later run find and remove namespaces whose owner died (a crashed or killed test) without touching
 * another live run's lab.
 */
export const NAME_PREFIX = 'cpl-';

export function newRunPrefix(pid: number = process.pid): string {
  return `${NAME_PREFIX}${pid}-${randomBytes(3).toString('hex')}`;
}

/** The pid that owns a lab namespace name, or undefined for names that are not ours. */
export function ownerPid(nsName: string): number | undefined {
  const m = /^cpl-(\d+)-[0-9a-f]+-/.exec(nsName);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names of existing namespaces (from /run/netns, which is what `ip netns` manages). */
export function listNamespaces(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}
