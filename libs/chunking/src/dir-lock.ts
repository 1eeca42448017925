// One process per state directory: the agent's (journal and receiver id of one target) and the
// DP's (its state.json, rewritten whole on every change). Two processes sharing one would take
// each other's journal or overwrite each other's state without a word.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { resolve } from 'node:path';
import { errnoOf } from '@castpoint/wire';
import { ChunkingError } from './errors';

/** What a lock file holds: the holder's pid and when its machine booted. */
export interface LockHolder {
  readonly pid: number;
  /** ms since the epoch: another boot means another process, whatever its pid. */
  readonly bootMs: number;
  readonly host?: string;
  /** Names one claim: tells this process's live claims from a dead process's that had our pid. */
  readonly claim?: string;
}

/**
 * The claims this process holds, by lock file. Process-wide on purpose: a lock file naming our own
 * pid is ours only if we hold it now; otherwise an earlier process had the same pid (Windows and
 * containers reuse pids at once: a resumed agent under wine was refused by its own pid 32).
 */
const heldClaims = new Map<string, string>();

/** Boot time from the uptime: the same all through one boot, up to clock steps (hence the slack). */
const bootTimeMs = (): number => Date.now() - uptime() * 1000;
const SAME_BOOT_SLACK_MS = 120_000;

function isAlive(h: LockHolder, file: string): boolean {
  if (Math.abs(h.bootMs - bootTimeMs()) > SAME_BOOT_SLACK_MS) return false;
  // kill(own pid, 0) always succeeds: only our own live claim makes our pid a holder.
  if (h.pid === process.pid) return h.claim !== undefined && heldClaims.get(file) === h.claim;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return errnoOf(err) === 'EPERM'; // it exists, it is just not ours
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
    return {
      pid: v.pid,
      bootMs: v.bootMs,
      ...(typeof v.host === 'string' ? { host: v.host } : {}),
      ...(typeof v.claim === 'string' ? { claim: v.claim } : {}),
    };
  } catch {
    return undefined; // gone meanwhile, or torn by a kill mid-write: not a live holder
  }
}

/**
 * Claims `dir` (created if missing) for this process with the lock file `name` in it, and returns
 * the release. Throws CHUNKING_DIR_IN_USE (data.pid: the holder) while a live process holds it; a
 * lock left by a killed process, by one from before a reboot, or by an earlier process that had
 * this process's pid, is taken over. A second claim by this process while it holds the first is
 * refused like any other.
 */
export function claimDirectory(dir: string, name: string): () => void {
  const file = resolve(dir, name);
  const claim = randomUUID();
  const mine = `${JSON.stringify({ pid: process.pid, bootMs: bootTimeMs(), host: hostname(), claim })}\n`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ChunkingError('CHUNKING_DIR_UNUSABLE', `cannot create ${dir}: ${(err as Error).message}`, { path: dir }, { cause: err });
  }
  // Twice at most: a stale lock is removed once; if another process takes it meanwhile, it is live.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      heldClaims.set(file, claim);
      let held = true;
      return () => {
        if (held) {
          if (heldClaims.get(file) === claim) heldClaims.delete(file);
          rmSync(file, { force: true });
        }
        held = false;
      };
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') {
        throw new ChunkingError('CHUNKING_DIR_UNUSABLE', `cannot lock ${dir}: ${(err as Error).message}`, { path: dir }, { cause: err });
      }
    }
    const holder = readHolder(file);
    if (holder && isAlive(holder, file)) {
      throw new ChunkingError('CHUNKING_DIR_IN_USE', `${dir} is in use by process ${holder.pid} (${file})`, { path: file, pid: holder.pid });
    }
    rmSync(file, { force: true });
  }
  throw new ChunkingError('CHUNKING_DIR_IN_USE', `${dir} was locked by another process meanwhile (${file})`, { path: file });
}
