// The deployment's post-deploy script (issue 24): fetched from the URL the operator gave, run with
// the machine's variables and CASTPOINT_* in its environment. Its exit code is part of the result;
// when it fails, the tail of what it printed goes into the report, so the history says why.
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { httpExchange } from '../dp/http-exchange';
import { describeNetworkCause } from '../dp/network-cause';

export interface ScriptRun {
  /** The script's exit code; null when it never ran (fetch failed) or a signal ended it. */
  exitCode: number | null;
  ok: boolean;
  /** Why it failed, one sentence (null on success). */
  failure: string | null;
  /** The last `SCRIPT_TAIL_CHARS` characters it printed (stdout and stderr as they came). */
  tail: string;
}

export interface ScriptRequest {
  url: string;
  /** Sent as a bearer token only to the DP's own origin, never to another server. */
  server: string;
  token?: string;
  /** Where the fetched script is written before it runs. */
  dir: string;
  /** The machine's variables and CASTPOINT_*: added to the agent's environment. */
  env: Record<string, string>;
  /** Told each piece of output as it comes (shown to the technician). */
  onOutput?: (text: string) => void;
}

export type ScriptRunner = (r: ScriptRequest) => Promise<ScriptRun>;

export const SCRIPT_TAIL_CHARS = 4000;
/** A script is a script: a larger answer is some other file. */
const MAX_SCRIPT_BYTES = 1024 * 1024;
/** A script that hangs must not keep the machine from its after-action for ever. */
export const SCRIPT_TIMEOUT_MS = 60 * 60 * 1000;

export const runScript: ScriptRunner = async (r) => {
  let body: Buffer;
  try {
    const url = new URL(r.url);
    const sameOrigin = url.origin === new URL(r.server).origin;
    const headers: Record<string, string> = sameOrigin && r.token !== undefined ? { authorization: `Bearer ${r.token}` } : {};
    const res = await httpExchange(url, { method: 'GET', headers, timeoutMs: 60_000, maxBodyBytes: MAX_SCRIPT_BYTES }).catch((err: unknown) => {
      throw new Error(describeNetworkCause(err, url, 60_000));
    });
    if (res.status !== 200) return notRun(`the script ${r.url} could not be fetched: HTTP ${res.status}`, res.body.toString('utf8', 0, Math.min(res.body.length, 400)));
    body = res.body;
  } catch (err) {
    return notRun(`the script ${r.url} could not be fetched: ${(err as Error).message}`, '');
  }
  const file = path.join(r.dir, 'post-deploy-script');
  await mkdir(r.dir, { recursive: true });
  await writeFile(file, body, { mode: 0o700 });
  await chmod(file, 0o700);
  // A script with a #! line runs by it; anything else by the POSIX shell.
  const [cmd, args] = body.subarray(0, 2).toString('latin1') === '#!' ? [file, []] : ['/bin/sh', [file]];
  return run(cmd, args, r);
};

function notRun(failure: string, tail: string): ScriptRun {
  return { exitCode: null, ok: false, failure, tail: tail.slice(-SCRIPT_TAIL_CHARS) };
}

function run(cmd: string, args: string[], r: ScriptRequest): Promise<ScriptRun> {
  return new Promise((resolve) => {
    let tail = '';
    const keep = (b: Buffer): void => {
      const text = b.toString('utf8');
      r.onOutput?.(text);
      tail = (tail + text).slice(-SCRIPT_TAIL_CHARS);
    };
    // The client token stays with the agent: the script is the operator's code, not the DP's.
    const { CASTPOINT_TOKEN: _token, ...inherited } = process.env;
    const child = spawn(cmd, args, { cwd: r.dir, env: { ...inherited, ...r.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, ok: false, failure: `the script could not start: ${err.message}`, tail });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ exitCode: 0, ok: true, failure: null, tail });
      else resolve({ exitCode: code, ok: false, failure: code === null ? `the script was ended by ${signal ?? 'a signal'}` : `the script exited ${code}`, tail });
    });
  });
}
