// claimDirectory on real files: one live holder at a time; a lock left by a killed process, by one
// from before a reboot, or torn by a kill mid-write, taken over.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { claimDirectory } from './dir-lock';

describe('claimDirectory', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cp-dir-lock-'));
    dir = join(root, 'state');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const lockFile = (): string => join(dir, 'x.lock');
  const holder = (): unknown => JSON.parse(readFileSync(lockFile(), 'utf8'));
  const bootMs = (): number => Date.now() - uptime() * 1000;
  /** The pid of a process that has ended. */
  const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

  it('creates the directory, refuses a second claim while held, and can be claimed again once released', () => {
    const release = claimDirectory(dir, 'x.lock');
    expect(holder()).toMatchObject({ pid: process.pid });
    expect(() => claimDirectory(dir, 'x.lock')).toThrow(expect.objectContaining({ code: 'CHUNKING_DIR_IN_USE', data: expect.objectContaining({ pid: process.pid }) }));
    release();
    release(); // twice is harmless
    expect(existsSync(lockFile())).toBe(false);
    claimDirectory(dir, 'x.lock')();
  });

  it('takes over a lock whose process is gone (killed)', () => {
    mkdirSync(dir);
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), bootMs: bootMs() }));
    claimDirectory(dir, 'x.lock');
    expect(holder()).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock whose process was killed but not yet reaped (a zombie)', async () => {
    mkdirSync(dir);
    // A holder whose parent never reaps it: `sleep 30` under a shell that execs into `sleep 60`.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
      // Until the shell has become `sleep 60`, it would reap the child itself.
      const execd = Date.now() + 5000;
      while (Date.now() < execd && readFileSync(`/proc/${String(parent.pid)}/comm`, 'utf8').trim() !== 'sleep') await new Promise((r) => setTimeout(r, 10));
      writeFileSync(lockFile(), JSON.stringify({ pid, bootMs: bootMs() }));
      expect(() => claimDirectory(dir, 'x.lock')).toThrow(expect.objectContaining({ code: 'CHUNKING_DIR_IN_USE' }));
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')) await new Promise((r) => setTimeout(r, 20));
      claimDirectory(dir, 'x.lock');
      expect(holder()).toMatchObject({ pid: process.pid });
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over a lock from another boot, even if its pid is alive now', () => {
    mkdirSync(dir);
    // Our own pid, alive, but written an hour before this machine booted: a reboot's leftover.
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, bootMs: bootMs() - 3_600_000 }));
    claimDirectory(dir, 'x.lock');
    expect(Math.abs((holder() as { bootMs: number }).bootMs - bootMs())).toBeLessThan(5000);
  });

  it('takes over a lock naming our own pid that this process does not hold (pid reused after a kill)', () => {
    mkdirSync(dir);
    // Windows and containers hand a new process the pid of one just killed: kill(pid, 0) on our own
    // pid always succeeds, so only a claim this process holds makes it live.
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, bootMs: bootMs() }));
    const release = claimDirectory(dir, 'x.lock');
    expect(holder()).toMatchObject({ pid: process.pid, claim: expect.any(String) });
    release();
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, bootMs: bootMs(), claim: 'from-an-earlier-process' }));
    claimDirectory(dir, 'x.lock')();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over a torn lock file (killed mid-write)', () => {
    mkdirSync(dir);
    writeFileSync(lockFile(), '{"pid":12');
    claimDirectory(dir, 'x.lock');
    expect(holder()).toMatchObject({ pid: process.pid });
  });

  it('says why when the directory cannot be made', () => {
    writeFileSync(join(root, 'file'), '');
    expect(() => claimDirectory(join(root, 'file', 'state'), 'x.lock')).toThrow(expect.objectContaining({ code: 'CHUNKING_DIR_UNUSABLE' }));
  });
});
