// One process per state directory: the agent's (journal and receiver id of one target) and the
// DP's (its state.json, rewritten whole on every change). Two processes sharing one would take
// each other's journal or overwrite each other's state without a word.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { ChunkingError } from './errors';

/** What a lock file holds: the holder's pid and when its machine booted. */
export interface LockHolder {
  readonly pid: number;
  /** ms since the epoch: another boot means another process, whatever its pid. */
  readonly bootMs: number;
  readonly host?: string;
}

/** Boot time from the uptime: the same all through one boot, up to clock steps (hence the slack). */
const bootTimeMs = (): number => Date.now() - uptime() * 1000;
const SAME_BOOT_SLACK_MS = 120_000;

function isAlive(h: LockHolder): boolean {
  if (Math.abs(h.bootMs - bootTimeMs()) > SAME_BOOT_SLACK_MS) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it is just not ours
  }
  return !isZombie(h.pid);
}

/** Linux: a killed holder whose parent has not reaped it yet still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false; // no /proc (Windows): kill(pid, 0) has said it all
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || typeof v.bootMs !== 'number') return undefined;
    return { pid: v.pid, bootMs: v.bootMs, ...(typeof v.host === 'string' ? { host: v.host } : {}) };
  } catch {
    return undefined; // gone meanwhile, or torn by a kill mid-write: not a live holder
  }
}

/**
 * Claims `dir` (created if missing) for this process with the lock file `name` in it, and returns
 * the release. Throws CHUNKING_DIR_IN_USE (data.pid: the holder) while a live process holds it; a
 * lock left by a killed process, or by one from before a reboot, is taken over.
 */
export function claimDirectory(dir: string, name: string): () => void {
  const file = join(dir, name);
  const mine = `${JSON.stringify({ pid: process.pid, bootMs: bootTimeMs(), host: hostname() })}\n`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ChunkingError('CHUNKING_DIR_UNUSABLE', `cannot create ${dir}: ${(err as Error).message}`, { path: dir }, { cause: err });
  }
  // Twice at most: a stale lock is removed once; if another process takes it meanwhile, it is live.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      let held = true;
      return () => {
        if (held) rmSync(file, { force: true });
        held = false;
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ChunkingError('CHUNKING_DIR_UNUSABLE', `cannot lock ${dir}: ${(err as Error).message}`, { path: dir }, { cause: err });
      }
    }
    const holder = readHolder(file);
    if (holder && isAlive(holder)) {
      throw new ChunkingError('CHUNKING_DIR_IN_USE', `${dir} is in use by process ${holder.pid} (${file})`, { path: file, actual: holder.pid });
    }
    rmSync(file, { force: true });
  }
  throw new ChunkingError('CHUNKING_DIR_IN_USE', `${dir} was locked by another process meanwhile (${file})`, { path: file });
}
