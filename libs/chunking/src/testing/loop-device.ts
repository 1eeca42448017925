// Real block devices for the writer's tests: a loop device over a file (root and losetup only).
import { execFileSync } from 'node:child_process';

/** True when this test run can make loop devices (root, and losetup installed). */
export const canLoop: boolean = (() => {
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
})();

/**
 * Attaches `backing` as a loop device, runs `fn` with the device path, and detaches it again.
 * Resolves false, with a warning, when losetup fails here (no free loop device in a container).
 */
export async function withLoopDevice(backing: string, fn: (dev: string) => Promise<void>): Promise<boolean> {
  let dev: string;
  try {
    dev = execFileSync('losetup', ['-f', '--show', backing], { encoding: 'utf8' }).trim();
  } catch (err) {
    console.warn(`loop device test skipped: losetup failed here (${String(err)})`);
    return false;
  }
  try {
    await fn(dev);
  } finally {
    execFileSync('losetup', ['-d', dev]);
  }
  return true;
}
