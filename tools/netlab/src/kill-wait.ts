import { readFileSync } from 'node:fs';

/**
 * SIGKILL is not death: kill() returns once the signal is queued, and a process started by
 * `ip netns exec` then takes 1-8 ms on an idle box (longer on a busy one) to tear down its private
 * mount namespace before it becomes a zombie, in uninterruptible sleep ('D') all that time. A
 * tear-down that says "processes killed" and exits at once was therefore sometimes followed by its
 * processes still alive (CI saw both floor receivers of an interrupted bench so). This waits.
 */

/** What identifies one process across time: its pid and its start time (pids are reused). */
interface Victim {
  readonly pid: number;
  readonly start: string;
}

/** State letter and start time from /proc/<pid>/stat, or undefined once the pid is gone. */
function readStat(pid: number): { state: string; start: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0] ?? '', start: rest[19] ?? '' };
}

/** Dead: gone, a zombie (it has exited; only its parent's reaping is left), or a new process on a reused pid. */
export function hasExited(victim: Victim): boolean {
  const now = readStat(victim.pid);
  return now === undefined || now.state === 'Z' || now.state === 'X' || now.start !== victim.start;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * SIGKILLs `pids` and waits, synchronously (tear-down on a signal cannot await), until every one
 * has exited or `timeoutMs` passed. Returns the pids still alive at the deadline (none, normally).
 */
export function killAndWait(pids: readonly number[], timeoutMs = 5_000): number[] {
  const victims: Victim[] = [];
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat === undefined) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      continue; // Already gone.
    }
    victims.push({ pid, start: stat.start });
  }
  let alive = victims;
  for (const deadline = Date.now() + timeoutMs; ; sleepSync(1)) {
    alive = alive.filter((v) => !hasExited(v));
    if (alive.length === 0 || Date.now() >= deadline) return alive.map((v) => v.pid);
  }
}
