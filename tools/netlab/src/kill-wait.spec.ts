import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hasExited, killAndWait } from './kill-wait';

function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

describe('killAndWait', () => {
  it('returns once the processes have exited (zombies waiting for their parent count as exited)', async () => {
    const children = [0, 1].map(() => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 200));
    const pids = children.map((c) => c.pid as number);
    const victims = pids.map((pid) => ({ pid, start: startOf(pid) }));
    expect(victims.map(hasExited)).toEqual([false, false]);

    // Synchronous: this event loop cannot reap them in between, so they are zombies, not gone.
    expect(killAndWait(pids)).toEqual([]);
    expect(victims.map(hasExited)).toEqual([true, true]);
    const signals = await Promise.all(children.map((c) => new Promise((r) => c.on('exit', (_code, signal) => r(signal)))));
    expect(signals).toEqual(['SIGKILL', 'SIGKILL']);
  });

  it('skips pids that are already gone', () => {
    expect(killAndWait([2 ** 22 + 12345])).toEqual([]);
  });

  it('takes a pid now held by a process started later for the end of the one it knew', () => {
    expect(hasExited({ pid: process.pid, start: startOf(process.pid) })).toBe(false);
    expect(hasExited({ pid: process.pid, start: '1' })).toBe(true);
  });
});
