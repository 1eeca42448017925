// Helpers of the end-to-end scenarios: real built processes (dist/) inside a netlab LAN.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { appBundles, dpCli, placeImage, sha256File, startAgent, startDp, stopDp, writeSampleImage, type AgentLine, type RunningDp, type SampleImage } from '@castpoint/bench';
import { collect, Lan, type Collected, type Host } from '@castpoint/netlab';

export function requireBuilt(): void {
  const b = appBundles();
  if (!existsSync(b.dp) || !existsSync(b.agent)) {
    throw new Error('the apps are not built: run `npm run build` (npm test does it first)');
  }
}

export function workDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'cp-e2e-'));
}

const MiB = 1024 * 1024;

/** A LAN with a DP on its server host that has imported one generated image as `img`. */
export interface Ctx {
  lan: Lan;
  work: string;
  dp: RunningDp;
  img: SampleImage;
}

export interface LanOptions {
  clients: number;
  sizeMiB: number;
  /** Seed of the generated image's content. */
  seed: number;
  /** Every chunk holds data (no zero chunks). */
  full: boolean;
  maxRate: string;
  imageFlags?: string[];
  dpFlags?: string[];
  /** The LAN's MTU (netlab LanOptions.mtu). @default 1500 */
  mtu?: number;
}

/**
 * Builds the LAN, generates the image, starts the DP and imports the image from the DP's default
 * image root (DATA_DIR/images, where it is hard-linked); on any failure removes what it made.
 */
export async function lanWithImage(o: LanOptions): Promise<Ctx> {
  requireBuilt();
  const work = workDir();
  const lan = Lan.create({ clients: o.clients, ...(o.mtu !== undefined ? { mtu: o.mtu } : {}) });
  try {
    const img = await writeSampleImage(path.join(work, 'image.img'), { size: o.sizeMiB * MiB, seed: o.seed, full: o.full });
    const dataDir = path.join(work, 'dp');
    const dp = await startDp(lan, lan.server, { dataDir, maxRate: o.maxRate, ...(o.dpFlags ? { extra: o.dpFlags } : {}) });
    const add = await dpCli(lan, dp, ['image', 'add', 'img', placeImage(dataDir, img.path), ...(o.imageFlags ?? [])]);
    if (add.code !== 0) throw new Error(`image add failed: ${add.stderr}${add.stdout}`);
    return { lan, work, dp, img };
  } catch (err) {
    lan.destroy();
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

/** Client host `i` (0-based) of the LAN. */
export function clientOf(c: Ctx, i: number): Host {
  const h = c.lan.clients[i];
  if (!h) throw new Error(`the LAN has no client ${i + 1}`);
  return h;
}

/** Stops the DP (5 s at most), removes the LAN and the work folder. */
export async function tearDown(c: Ctx | undefined): Promise<void> {
  if (!c) return;
  await Promise.race([stopDp(c.dp), new Promise((r) => setTimeout(r, 5000).unref())]);
  c.lan.destroy();
  rmSync(c.work, { recursive: true, force: true });
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

/**
 * Waits for every agent to exit 0 (SIGTERM after `timeoutMs`) and checks each target against the
 * image; returns each agent's output (stdout + stderr).
 */
export async function expectVerified(c: Ctx, agents: Agent[], timeoutMs = 90_000): Promise<string[]> {
  const timer = setTimeout(() => agents.forEach((a) => a.proc.kill('SIGTERM')), timeoutMs);
  const ends = await Promise.all(agents.map((a) => a.ended)).finally(() => clearTimeout(timer));
  ends.forEach((e, i) => {
    const a = agents[i];
    if (e.code !== 0) throw new Error(`agent ${a?.host.name} exited ${String(e.code ?? e.signal)}; last line ${JSON.stringify(a && last(a))}; stderr: ${e.stderr.slice(-1500)}`);
  });
  for (const a of agents) expect(await sha256File(a.target)).toBe(c.img.sha256);
  return ends.map((e) => e.stdout + e.stderr);
}

/** Reads a block device itself, not its backing file (the agent writes past the page cache). */
export function readDevice(dev: string, length: number): Buffer {
  const fd = openSync(dev, 'r');
  try {
    const b = Buffer.alloc(length);
    let at = 0;
    while (at < length) {
      const n = readSync(fd, b, at, length - at, at);
      if (n === 0) break;
      at += n;
    }
    return b.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Attaches `file` to the first free loop device and returns its path (the caller detaches it). */
export function losetup(file: string): string {
  return execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
}
