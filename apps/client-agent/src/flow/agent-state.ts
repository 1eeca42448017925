// The little the agent remembers besides the journal: its last receiver id, so that a resumed run
// tells the DP who it was (previousReceiverId) and the dashboard keeps one record per machine.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import path from 'node:path';
import { AgentError } from '../errors';

export interface AgentMemory {
  readonly server: string;
  readonly image: string;
  readonly receiverId?: number;
}

export interface AgentMemoryStore {
  load(): Promise<AgentMemory | undefined>;
  save(m: AgentMemory): Promise<void>;
  /**
   * Claims the state directory (and so its target) for this process until the returned release
   * is called; refused while another agent holds it. A lock left by a killed agent, or by one
   * from before a reboot, is taken over.
   */
  lock(): Promise<() => Promise<void>>;
}

export const AGENT_STATE_FILE = 'agent.json';
export const AGENT_LOCK_FILE = 'agent.lock';

interface LockHolder {
  readonly pid: number;
  /** When the holder's machine booted (ms since the epoch): another boot means another process. */
  readonly bootMs: number;
  readonly host?: string;
}

/** Boot time from the uptime; the same within a boot up to clock steps, so compared with slack. */
const bootTimeMs = (): number => Date.now() - uptime() * 1000;
const SAME_BOOT_SLACK_MS = 120_000;

function isAlive(h: LockHolder): boolean {
  if (Math.abs(h.bootMs - bootTimeMs()) > SAME_BOOT_SLACK_MS) return false;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it is just not ours
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    return typeof v.pid === 'number' && typeof v.bootMs === 'number' ? { pid: v.pid, bootMs: v.bootMs, ...(typeof v.host === 'string' ? { host: v.host } : {}) } : undefined;
  } catch {
    return undefined; // gone meanwhile, or torn by a kill mid-write: not a live holder
  }
}

async function lockDir(stateDir: string): Promise<() => Promise<void>> {
  const file = path.join(stateDir, AGENT_LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, bootMs: bootTimeMs(), host: hostname() })}\n`;
  const cannot = (err: unknown): AgentError =>
    new AgentError('target-refused', `Cannot lock the state directory ${stateDir}: ${(err as Error).message}`, undefined, { cause: err });
  await mkdir(stateDir, { recursive: true }).catch((err: unknown) => {
    throw cannot(err);
  });
  // Twice at most: a stale lock is removed once; if another agent takes it meanwhile, it is live.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(err);
    }
    const holder = await readHolder(file);
    if (holder && isAlive(holder)) {
      throw new AgentError(
        'target-refused',
        `Another castpoint-agent (pid ${holder.pid}) is deploying with the state directory ${stateDir}, so to the same target: let it finish or stop it (if none runs, delete ${file})`,
        { pid: holder.pid },
      );
    }
    await rm(file, { force: true });
  }
  throw cannot(new Error('another agent took it meanwhile'));
}

export function fileMemory(stateDir: string): AgentMemoryStore {
  const file = path.join(stateDir, AGENT_STATE_FILE);
  return {
    async load() {
      try {
        const v = JSON.parse(await readFile(file, 'utf8')) as Partial<AgentMemory>;
        if (typeof v.server !== 'string' || typeof v.image !== 'string') return undefined;
        return {
          server: v.server,
          image: v.image,
          ...(typeof v.receiverId === 'number' ? { receiverId: v.receiverId } : {}),
        };
      } catch {
        // Missing or torn (kill -9 mid-write cannot tear it: it is renamed into place): start afresh.
        return undefined;
      }
    },
    async save(m) {
      await mkdir(stateDir, { recursive: true });
      const tmp = `${file}.tmp`;
      await writeFile(tmp, `${JSON.stringify(m)}\n`);
      await rename(tmp, file);
    },
    lock: () => lockDir(stateDir),
  };
}
