// The little the agent remembers besides the journal: its last receiver id, so that a resumed run
// tells the DP who it was (previousReceiverId) and the dashboard keeps one record per machine.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AgentMemory {
  readonly server: string;
  readonly image: string;
  readonly receiverId?: number;
}

export interface AgentMemoryStore {
  load(): Promise<AgentMemory | undefined>;
  save(m: AgentMemory): Promise<void>;
}

export const AGENT_STATE_FILE = 'agent.json';

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
  };
}
