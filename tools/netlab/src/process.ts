import type { ChildProcess } from 'node:child_process';

export interface Collected {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for a process to end and returns what it printed. Kills it after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<Collected> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process ${String(child.spawnargs.join(' '))} did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Resolves with the first stdout line matching `re` (e.g. a "listening" line). */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${String(re)} within ${timeoutMs} ms; saw: ${buf.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer | string): void => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (re.test(line)) {
          cleanup();
          resolve(line);
          return;
        }
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`process ended before a line matching ${String(re)}; saw: ${buf.slice(-2000)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onClose);
    };
    child.stdout?.on('data', onData);
    child.on('close', onClose);
  });
}
