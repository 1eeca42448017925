// The state directory's lock as the agent words it: one agent per state dir, so per target (the
// lock itself, stale and torn ones included, is tested in libs/chunking dir-lock.spec.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentError } from '../errors';
import { AGENT_LOCK_FILE, fileMemory } from './agent-state';

describe('fileMemory lock', () => {
  let dir: string;
  let stateDir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cp-agent-state-'));
    stateDir = path.join(dir, 'state');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the state dir until released, and refuses a second agent meanwhile with the holder named', async () => {
    const release = await fileMemory(stateDir).lock();
    const lockFile = path.join(stateDir, AGENT_LOCK_FILE);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    const err = await fileMemory(stateDir).lock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'target-refused' });
    expect((err as Error).message).toMatch(new RegExp(`Another castpoint-agent \\(pid ${process.pid}\\) is deploying with the state directory .*delete .*agent\\.lock`));
    await release();
    expect(existsSync(lockFile)).toBe(false);
  });
});
