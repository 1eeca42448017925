// Helpers of the end-to-end scenarios: real built processes (dist/) inside a netlab LAN.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { appBundles, startAgent, type AgentLine, type RunningDp } from '@castpoint/bench';
import { collect, type Collected, type Host, type Lan } from '@castpoint/netlab';

export function requireBuilt(): void {
  const b = appBundles();
  if (!existsSync(b.dp) || !existsSync(b.agent)) {
    throw new Error('the apps are not built: run `npm run build` (npm test does it first)');
  }
}

export function workDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'cp-e2e-'));
}

/** A running agent whose JSON lines are followed. */
export interface Agent {
  readonly host: Host;
  readonly target: string;
  readonly proc: ChildProcess;
  readonly lines: AgentLine[];
  readonly ended: Promise<Collected>;
}

export function agentOn(lan: Lan, host: Host, dp: RunningDp, work: string, image: string, extra: string[] = []): Agent {
  const dir = path.join(work, host.name);
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'disk.img');
  const proc = startAgent(lan, host, dp, { image, target, stateDir: path.join(dir, 'state'), extra });
  const lines: AgentLine[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) {
        try {
          lines.push(JSON.parse(line) as AgentLine);
        } catch {
          // not a progress line
        }
      }
    }
  });
  return { host, target, proc, lines, ended: collect(proc, 300_000) };
}

/** Resolves when `pred` holds for the agent's latest line (polls; fails after `timeoutMs`). */
export async function until(what: string, pred: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const last = (a: Agent): AgentLine | undefined => a.lines[a.lines.length - 1];

/** GET an admin route of the DP from inside the LAN's server host. */
export async function dpGet<T>(lan: Lan, dp: RunningDp, route: string): Promise<T> {
  const r = await collect(lan.spawn(lan.server, 'curl', ['-sS', '-H', `authorization: Bearer ${dp.adminToken}`, `${dp.url}${route}`]), 10_000);
  return JSON.parse(r.stdout) as T;
}
