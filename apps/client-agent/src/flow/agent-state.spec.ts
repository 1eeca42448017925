// The state directory's memory and lock on real files: one agent per state dir (so per target), a
// lock left by a killed agent or by one from before a reboot taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
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

  const lockFile = (): string => path.join(stateDir, AGENT_LOCK_FILE);
  const bootMs = (): number => Date.now() - uptime() * 1000;
  /** The pid of a process that has ended. */
  const deadPid = (): number => {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(r.stdout);
  };

  it('creates the state dir, holds the lock until released, and refuses a second holder meanwhile', async () => {
    const release = await fileMemory(stateDir).lock();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    const err = await fileMemory(stateDir).lock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'target-refused' });
    expect((err as Error).message).toMatch(new RegExp(`Another castpoint-agent \\(pid ${process.pid}\\) is deploying with the state directory`));
    await release();
    expect(existsSync(lockFile())).toBe(false);
    await (await fileMemory(stateDir).lock())();
  });

  it('takes over a lock whose agent is gone (killed)', async () => {
    mkdirSync(stateDir);
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), bootMs: bootMs() }));
    await fileMemory(stateDir).lock();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock from another boot, even if its pid is alive now', async () => {
    mkdirSync(stateDir);
    // Our own pid, alive, but written an hour before this machine booted: a reboot's leftover.
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, bootMs: bootMs() - 3_600_000 }));
    await fileMemory(stateDir).lock();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, bootMs: expect.any(Number) });
  });

  it('takes over a torn lock file (killed mid-write)', async () => {
    mkdirSync(stateDir);
    writeFileSync(lockFile(), '{"pid":12');
    await fileMemory(stateDir).lock();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });
});
