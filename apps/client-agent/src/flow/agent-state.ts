// The little the agent remembers besides the journal: its last receiver id, so that a resumed run
// tells the DP who it was (previousReceiverId) and the dashboard keeps one record per machine. The
// id is dropped once a run went to unicast or completed (deploy.ts forgetReceiverId): the DP's
// record of that client would carry the fallback into the next deployment.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { claimDirectory, isChunkingError } from '@castpoint/chunking';
import { AgentError } from '../errors';
import { discardAgentFiles, removeIfEmpty } from './state-dir-tidy';

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
  lock(): Promise<ReleaseStateDir>;
}

/**
 * Gives the state dir back. With `discard` (a failed run with the default state dir) the agent's
 * files go too, and the folder if that empties it, unless a journal there holds written chunks.
 */
export type ReleaseStateDir = (o?: { readonly discard?: boolean }) => Promise<void>;

export const AGENT_STATE_FILE = 'agent.json';
export const AGENT_LOCK_FILE = 'agent.lock';

/** Claims the state dir (libs/chunking claimDirectory) with the agent's own words for a refusal. */
function lockDir(stateDir: string): ReleaseStateDir {
  try {
    const release = claimDirectory(stateDir, AGENT_LOCK_FILE);
    return async (o) => {
      // Discarded while still held, so no other agent's files can be taken for ours.
      const discarded = o?.discard === true && (await discardAgentFiles(stateDir, [AGENT_STATE_FILE, `${AGENT_STATE_FILE}.tmp`]));
      release();
      if (discarded) await removeIfEmpty(stateDir);
    };
  } catch (err) {
    if (isChunkingError(err, 'CHUNKING_DIR_IN_USE') && err.data.pid !== undefined) {
      throw new AgentError(
        'target-refused',
        `Another castpoint-agent (pid ${err.data.pid}) is deploying with the state directory ${stateDir}, so to the same target: let it finish or stop it (if none runs, delete ${path.join(stateDir, AGENT_LOCK_FILE)})`,
        { pid: err.data.pid },
        { cause: err },
      );
    }
    throw new AgentError('target-refused', `Cannot lock the state directory ${stateDir}: ${(err as Error).message}`, undefined, { cause: err });
  }
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
    lock: async () => lockDir(stateDir),
  };
}
